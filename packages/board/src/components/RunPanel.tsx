import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, errorText, type Task } from '../api/client';
import { usageText } from '../lib/usage';

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;
type LogEntry = { at: string; attempt: number; stream: 'stdout' | 'stderr' | 'step' | 'note'; text: string };

/** How often an open drawer asks for more of the log (the runner sends at least every 2 s). */
const FOLLOW_MS = 1500;
/** Lines the drawer keeps (the oldest go first). */
const KEEP_LINES = 3000;

/**
 * The run of a task: what it took and cost, Stop (while an agent works on it) and Retry (when it waits for
 * one), and its live log, followed while the drawer is open (read from the start again after a reload).
 */
export function RunPanel({ task, act }: { task: Task; act: Act }) {
  const id = task.id;
  const running = task.state === 'in_progress' || task.state === 'needs_input';
  const retryable = task.state === 'backlog' && (!!task.held || !!task.lastError);
  return (
    <section aria-labelledby="run-title" class="run">
      <h3 id="run-title">Run</h3>
      {task.held && (
        <p class="banner held" role="note">
          Waiting for a retry: {task.held}
        </p>
      )}
      <p class="usage">{task.usage ? usageText(task.usage) : <span class="none">No attempts reported yet.</span>}</p>
      <div class="buttons">
        {running && (
          <button type="button" class="danger" onClick={() => act('Stop requested: the runner ends the command within seconds', () => call(api.POST('/api/tasks/{id}/stop', { params: { path: { id } } })))}>
            Stop
          </button>
        )}
        {retryable && (
          <button type="button" class="primary" onClick={() => act('Retried: the task can be claimed again', () => call(api.POST('/api/tasks/{id}/retry', { params: { path: { id } } })))}>
            Retry
          </button>
        )}
      </div>
      <LiveLog taskId={id} />
    </section>
  );
}

function LiveLog({ taskId }: { taskId: string }) {
  const [lines, setLines] = useState<LogEntry[]>([]);
  const [problem, setProblem] = useState<string>();
  const box = useRef<HTMLOListElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    let cursor: string | undefined;
    let alive = true;
    let timer: number | undefined;
    setLines([]);
    const read = async () => {
      try {
        for (let pages = 0; pages < 20 && alive; pages++) {
          const { data, error, response } = await api.GET('/api/tasks/{id}/log', { params: { path: { id: taskId }, query: { ...(cursor ? { after: cursor } : {}), limit: 50 } } });
          if (!data) throw new Error((error as { error?: { message?: string } })?.error?.message ?? `The server answered ${response.status}`);
          if (!alive) return;
          cursor = (data as { cursor?: string }).cursor ?? cursor;
          const entries = data.data as LogEntry[];
          if (entries.length) setLines((old) => [...old, ...entries].slice(-KEEP_LINES));
          setProblem(undefined);
          if (entries.length === 0) break;
        }
      } catch (error) {
        if (alive) setProblem(`The log could not be read: ${errorText(error)}`);
      }
      if (alive) timer = window.setTimeout(read, FOLLOW_MS);
    };
    void read();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [taskId]);

  useEffect(() => {
    if (follow.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);

  return (
    <div class="live-log">
      <h4 id="log-title">Live log</h4>
      {problem && (
        <p class="banner error" role="alert">
          {problem}
        </p>
      )}
      {lines.length === 0 ? (
        <p class="none">Nothing logged yet.</p>
      ) : (
        <ol
          class="log"
          ref={box}
          aria-labelledby="log-title"
          aria-live="polite"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard to scroll it
          tabIndex={0}
          onScroll={(event) => {
            const el = event.currentTarget;
            follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
          }}
        >
          {lines.map((line, index) => (
            <li key={index} class={`log-${line.stream}`} title={`${line.at} · attempt ${line.attempt} · ${line.stream}`}>
              {line.stream === 'step' ? <span class="step-mark">▸ </span> : null}
              {line.text}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

