import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, errorText, type Board, type Job, type Task, type TaskEvent, type TaskState } from '../api/client';
import { retryOf } from '../lib/retry';
import { STATE_LABEL, canMove } from '../lib/states';
import { ago, when } from '../lib/time';
import { RunPanel } from './RunPanel';
import { TaskForm } from './TaskForm';
import { ChecksSection } from './ChecksFacts';
import { isWebLink } from '../lib/links';

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;

interface Props {
  board: Board;
  task?: Task;
  defaultProjectId: string;
  act: Act;
  onClose: () => void;
  onCreated: (taskId: string) => void;
}

/** The task drawer: everything about one task and what a person can do with it; or, without a task, a new one. */
export function TaskDrawer({ board, task, defaultProjectId, act, onClose, onCreated }: Props) {
  const panel = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    heading.current?.focus();
    // Escape closes the drawer wherever focus is (a button that just did its work may be gone).
    const onEscape = (event: KeyboardEvent) => event.key === 'Escape' && close.current();
    document.addEventListener('keydown', onEscape);
    return () => document.removeEventListener('keydown', onEscape);
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Tab' || !panel.current) return;
    const focusable = [...panel.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, textarea, [tabindex="0"]')];
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === heading.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <>
      {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a pointer's way out; the keyboard's is Escape in the dialog */}
      <div class="backdrop" onClick={onClose} />
      <aside class="drawer" role="dialog" aria-modal="true" aria-labelledby="drawer-title" ref={panel} onKeyDown={onKeyDown}>
        <div class="drawer-head">
          <h2 id="drawer-title" tabIndex={-1} ref={heading}>
            {task ? task.title : 'New task'}
          </h2>
          <button type="button" class="close" onClick={onClose} aria-label="Close the task">
            ✕
          </button>
        </div>
        {task ? (
          <TaskDetails board={board} task={task} act={act} onClose={onClose} />
        ) : (
          <TaskForm
            projects={board.projects}
            submitLabel="Create task"
            initial={{ projectId: defaultProjectId || board.projects[0]?.id || '', title: '', description: '', priority: 50 }}
            onSubmit={async (values) => {
              let created: Task | undefined;
              const done = await act(`Task “${values.title}” created`, async () => {
                created = await call(
                  api.POST('/api/tasks', { body: { projectId: values.projectId, title: values.title, description: values.description || undefined, priority: values.priority } }),
                );
              });
              if (done && created) onCreated(created.id);
            }}
          />
        )}
      </aside>
    </>
  );
}

function TaskDetails({ board, task, act, onClose }: { board: Board; task: Task; act: Act; onClose: () => void }) {
  const [events, setEvents] = useState<TaskEvent[]>();
  const [jobs, setJobs] = useState<Job[]>();
  // The board's list leaves a task's long text out: the drawer reads the whole task.
  const [whole, setWhole] = useState<Task>();
  const [loadError, setLoadError] = useState<string>();
  const [editing, setEditing] = useState(false);
  const project = board.projects.find((candidate) => candidate.id === task.projectId);
  const agent = board.agents.find((candidate) => candidate.id === task.assignedAgentId);
  const text = whole?.id === task.id ? whole : undefined;
  const feedback = text?.feedback;
  const id = task.id;
  const retry = retryOf(task);

  useEffect(() => {
    let current = true;
    Promise.all([
      call(api.GET('/api/tasks/{id}/events', { params: { path: { id }, query: { limit: 100 } } })),
      call(api.GET('/api/tasks/{id}/jobs', { params: { path: { id }, query: { limit: 100 } } })),
      call(api.GET('/api/tasks/{id}', { params: { path: { id } } })),
    ])
      .then(([eventList, jobList, wholeTask]) => {
        if (!current) return;
        setEvents(eventList);
        setJobs(jobList);
        setWhole(wholeTask);
        setLoadError(undefined);
      })
      .catch((problem) => current && setLoadError(`History could not be loaded: ${errorText(problem)}`));
    return () => {
      current = false;
    };
  }, [id, task.version]);

  const move = (to: TaskState, what: string) => act(what, () => call(api.PATCH('/api/tasks/{id}', { params: { path: { id } }, body: { state: to } })));

  return (
    <div class="drawer-body">
      <p class="meta">
        <span class={`state-chip state-${task.state}`}>{STATE_LABEL[task.state]}</span>
        <span>P{task.priority}</span>
        {project && (
          <span>
            {project.name} ({project.giteaOwner}/{project.giteaRepo})
          </span>
        )}
        {agent && (
          <span>
            Agent {agent.name}, seen {ago(agent.lastSeenAt ?? agent.lastHeartbeatAt)}
          </span>
        )}
        {task.branchName && (
          <span>
            Branch <code>{task.branchName}</code>
          </span>
        )}
        {isWebLink(task.prUrl) && (
          <a href={task.prUrl} target="_blank" rel="noreferrer">
            Pull request #{task.prNumber}
          </a>
        )}
        {task.issue && isWebLink(task.issue.url) && (
          <a href={task.issue.url} target="_blank" rel="noreferrer">
            Issue #{task.issue.number}
          </a>
        )}
      </p>
      {task.lastError && (
        <div class="banner error" role="note">
          Last Gitea job failed: {task.lastError}
          {retry && (
            <button type="button" class="retry" onClick={() => act(retry.done, () => retry.request(id))} aria-label={`Retry: ${retry.label}`}>
              Retry
            </button>
          )}
        </div>
      )}

      <ChecksSection task={task} />
      <Actions task={task} act={act} move={move} onDeleted={onClose} />
      <RunPanel task={task} act={act} />

      <section aria-labelledby="thread-title">
        <h3 id="thread-title">Questions and answers</h3>
        {task.state === 'needs_input' && task.question ? (
          <AnswerBox task={task} act={act} />
        ) : (
          text && !text.lastResponse && !events?.some((event) => event.question) && <p class="none">No questions from the agent.</p>
        )}
        <Thread events={events} openQuestion={task.state === 'needs_input' ? task.question : undefined} board={board} />
      </section>

      {feedback && (
        <section aria-labelledby="feedback-title">
          <h3 id="feedback-title">Review feedback</h3>
          <blockquote class="feedback">{feedback}</blockquote>
        </section>
      )}

      <section aria-labelledby="details-title">
        <h3 id="details-title">Details</h3>
        {editing ? (
          <TaskForm
            projects={board.projects}
            fixedProject
            submitLabel="Save changes"
            initial={{ projectId: task.projectId, title: task.title, description: text?.description ?? '', priority: task.priority }}
            onCancel={() => setEditing(false)}
            onSubmit={async (values) => {
              const saved = await act('Task saved', () =>
                call(api.PATCH('/api/tasks/{id}', { params: { path: { id } }, body: { title: values.title, description: values.description, priority: values.priority, version: task.version } })),
              );
              if (saved) setEditing(false);
            }}
          />
        ) : (
          <>
            {!text ? <p class="loading">Loading…</p> : <p class="description">{text.description || <span class="none">No description.</span>}</p>}
            <button type="button" disabled={!text} onClick={() => setEditing(true)}>
              Edit title, description or priority
            </button>
          </>
        )}
      </section>

      {loadError && (
        <p class="banner error" role="alert">
          {loadError}
        </p>
      )}
      <section aria-labelledby="events-title">
        <h3 id="events-title">What happened</h3>
        {!events ? (
          <p class="loading">Loading…</p>
        ) : (
          <ol class="timeline">
            {[...events].reverse().map((event) => (
              <li key={`${event.at}-${event.type}`}>
                <time dateTime={event.at} title={when(event.at)}>
                  {ago(event.at)}
                </time>{' '}
                <span class="event-type">{event.type.replace(/_/g, ' ')}</span> {withAgentNames(event.message, board)}
                {event.actor && <span class="actor"> — {actorLabel(event.actor, board)}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="jobs-title">
        <h3 id="jobs-title">Gitea jobs</h3>
        {!jobs ? (
          <p class="loading">Loading…</p>
        ) : jobs.length === 0 ? (
          <p class="none">No jobs yet.</p>
        ) : (
          <ul class="jobs">
            {jobs.map((job) => (
              <li key={job.id}>
                <strong>{job.type.replace(/_/g, ' ')}</strong> — {job.status}
                {job.error && <span class="error"> ({job.error})</span>} <time dateTime={job.updatedAt}>{ago(job.updatedAt)}</time>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** Agent ids in an event's words, shown as the agents' names. */
function withAgentNames(text: string, board: Board): string {
  let out = text;
  for (const agent of board.agents) if (out.includes(agent.id)) out = out.split(agent.id).join(agent.name);
  return out;
}

/** `agent:<id>` → `agent claude-1`; `gitea:alice` → `alice (Gitea)`; `admin`, `system` as they are. */
function actorLabel(actor: string, board: Board): string {
  if (actor.startsWith('agent:')) return `agent ${board.agents.find((agent) => agent.id === actor.slice(6))?.name ?? actor.slice(6, 14)}`;
  if (actor.startsWith('gitea:')) return `${actor.slice(6)} (Gitea)`;
  return actor;
}

/**
 * The questions the agent asked and the answers people gave, oldest first: a question stays here after it
 * is answered. The question still open is left out (the answer box above shows it).
 */
function Thread({ events, openQuestion, board }: { events?: TaskEvent[]; openQuestion?: string; board: Board }) {
  const asked = (events ?? []).filter((event) => event.question || event.type === 'responded');
  const lastAsked = asked.findLastIndex((event) => event.question);
  const shown = asked.filter((event, index) => !(openQuestion && index === lastAsked && event.question === openQuestion));
  if (shown.length === 0) return null;
  return (
    <ol class="thread">
      {shown.map((event) => (
        <li key={`${event.at}-${event.type}`} class={event.question ? 'asked' : 'answer'}>
          <time dateTime={event.at} title={when(event.at)}>
            {ago(event.at)}
          </time>{' '}
          {event.question ? (
            <>
              <strong>{event.actor ? actorLabel(event.actor, board) : 'The agent'} asked:</strong> {event.question}
            </>
          ) : (
            event.message
          )}
        </li>
      ))}
    </ol>
  );
}

function AnswerBox({ task, act }: { task: Task; act: Act }) {
  const [answer, setAnswer] = useState('');
  return (
    <form
      class="answer"
      onSubmit={async (event) => {
        event.preventDefault();
        const sent = await act('Answer sent to the agent', () => call(api.POST('/api/tasks/{id}/respond', { params: { path: { id: task.id } }, body: { response: answer.trim() } })));
        if (sent) setAnswer('');
      }}
    >
      <p class="question" id="agent-question">
        <strong>The agent asks:</strong> {task.question}
      </p>
      <label for="answer-text">Your answer</label>
      <textarea id="answer-text" rows={3} value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} required aria-describedby="agent-question" />
      <button type="submit" class="primary">
        Send answer
      </button>
    </form>
  );
}

function Actions({ task, act, move, onDeleted }: { task: Task; act: Act; move: (to: TaskState, what: string) => Promise<boolean>; onDeleted: () => void }) {
  const [sendingBack, setSendingBack] = useState(false);
  const [feedback, setFeedback] = useState('');
  const id = task.id;
  const inReview = ['ready_to_test', 'approved', 'staging'].includes(task.state);
  return (
    <section aria-labelledby="actions-title" class="actions">
      <h3 id="actions-title" class="visually-hidden">
        Actions
      </h3>
      <div class="buttons">
        {canMove(task.state, 'approved') && (
          <button type="button" class="primary" onClick={() => move('approved', 'Approved')}>
            Approve
          </button>
        )}
        {task.state === 'approved' && task.prNumber !== undefined && (
          <button type="button" class="primary" onClick={() => act('Merge requested: the worker merges the pull request in Gitea', () => call(api.POST('/api/tasks/{id}/merge', { params: { path: { id } } })))}>
            Merge pull request
          </button>
        )}
        {canMove(task.state, 'staging') && (
          <button type="button" onClick={() => move('staging', 'Moved to staging')}>
            Move to staging
          </button>
        )}
        {canMove(task.state, 'production') && (
          <button type="button" class="primary" onClick={() => move('production', 'Moved to production')}>
            Move to production
          </button>
        )}
        {inReview && (
          <button type="button" onClick={() => setSendingBack(!sendingBack)} aria-expanded={sendingBack}>
            Send back…
          </button>
        )}
        {canMove(task.state, 'backlog') && (
          <button type="button" onClick={() => move('backlog', 'Returned to the backlog')}>
            Return to backlog
          </button>
        )}
        <button
          type="button"
          class="danger"
          onClick={() => {
            if (!confirm(`Delete the task “${task.title}”? This cannot be undone.`)) return;
            void act('Task deleted', () => call(api.DELETE('/api/tasks/{id}', { params: { path: { id }, query: { version: task.version } } }))).then((done) => done && onDeleted());
          }}
        >
          Delete
        </button>
      </div>
      {sendingBack && (
        <form
          class="send-back"
          onSubmit={async (event) => {
            event.preventDefault();
            const done = await act('Sent back to the agent for rework', () => call(api.PATCH('/api/tasks/{id}', { params: { path: { id } }, body: sendBackBody(feedback) })));
            if (done) {
              setSendingBack(false);
              setFeedback('');
            }
          }}
        >
          <label for="send-back-feedback">What should change?</label>
          <textarea id="send-back-feedback" rows={3} value={feedback} onInput={(e) => setFeedback(e.currentTarget.value)} />
          <button type="submit">Send back for rework</button>
        </form>
      )}
    </section>
  );
}

/** The PATCH body that sends a task back, with the reviewer's feedback for the agent. */
function sendBackBody(feedback: string) {
  const text = feedback.trim();
  return { state: 'in_progress' as const, ...(text ? { feedback: text } : {}) };
}
