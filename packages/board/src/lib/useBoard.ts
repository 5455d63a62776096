import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, call, errorText, type Board } from '../api/client';

/** How often an open, visible board asks whether anything changed (well within the 5 s promise). */
export const POLL_MS = 2000;

/**
 * The board's data, kept live by conditional polling: each poll is one `GET /api/board` with `cache:
 * 'no-cache'`, so the browser revalidates with the ETag it holds (If-None-Match) and the server answers
 * 304 when nothing changed. Hidden tabs do not poll; a tab coming back polls at once. A failed poll keeps
 * the last board and says so.
 */
export function useBoard(enabled: boolean) {
  const [board, setBoard] = useState<Board>();
  const [error, setError] = useState<string>();
  const etag = useRef<string | null>(null);
  const inFlight = useRef(false);

  const refresh = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      let tag: string | null = null;
      const data = await call(
        api.GET('/api/board', { cache: 'no-cache' }).then((result) => {
          tag = result.response.headers.get('etag');
          return result;
        }),
      );
      setError(undefined);
      if (tag && tag === etag.current) return;
      etag.current = tag;
      setBoard((previous) => reuseUnchanged(previous, data));
    } catch (problem) {
      setError(`The board could not be refreshed: ${errorText(problem)}`);
    } finally {
      inFlight.current = false;
    }
  }, []);

  useEffect(() => {
    if (!enabled) return;
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, POLL_MS);
    const onVisible = () => document.visibilityState === 'visible' && void refresh();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [enabled, refresh]);

  return { board, error, refresh };
}

/** Keeps the previous object of every task and agent that did not change, so only changed cards redraw. */
function reuseUnchanged(previous: Board | undefined, next: Board): Board {
  if (!previous) return next;
  const tasks = new Map(previous.tasks.map((task) => [task.id, task]));
  const agents = new Map(previous.agents.map((agent) => [agent.id, agent]));
  const projects = new Map(previous.projects.map((project) => [project.id, project]));
  return {
    ...next,
    tasks: next.tasks.map((task) => {
      const old = tasks.get(task.id);
      return old && old.version === task.version && old.updatedAt === task.updatedAt ? old : task;
    }),
    agents: next.agents.map((agent) => {
      const old = agents.get(agent.id);
      return old && JSON.stringify(old) === JSON.stringify(agent) ? old : agent;
    }),
    projects: next.projects.map((project) => {
      const old = projects.get(project.id);
      return old && old.version === project.version && old.updatedAt === project.updatedAt ? old : project;
    }),
  };
}
