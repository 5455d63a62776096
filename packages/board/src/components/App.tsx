import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, call, errorText, whenSignedOut, type Board, type Me, type Task } from '../api/client';
import { useBoard } from '../lib/useBoard';
import { AgentsView } from './AgentsView';
import { BoardView } from './BoardView';
import { Header, type View } from './Header';
import { Notice, type NoticeMessage } from './Notice';
import { ProjectsView } from './ProjectsView';
import { SignIn } from './SignIn';
import { TaskDrawer } from './TaskDrawer';
import { TokensPanel } from './TokensPanel';

const VIEWS: Record<string, View> = { '#/agents': 'agents', '#/projects': 'projects', '#/tokens': 'tokens' };
const viewFromHash = (): View => VIEWS[location.hash] ?? 'board';

export function App() {
  const [me, setMe] = useState<Me | null>();
  const [view, setView] = useState<View>(viewFromHash);
  const [projectId, setProjectId] = useState('');
  const [open, setOpen] = useState<{ taskId?: string; create?: boolean; returnFocus?: HTMLElement | null }>();
  const [notice, setNotice] = useState<NoticeMessage>();
  // The board is fetched at once, beside /api/auth/me (one round trip less before the first paint); a 401
  // from either shows the sign-in page.
  const { board: polled, error, refresh } = useBoard(me !== null);
  // Tasks as a change made here returned them: shown until the board's read catches up (it may be up to
  // AIWORKER_BOARD_CACHE_MS old), so an answered question or a moved task never shows its old state.
  const [changed, setChanged] = useState<ReadonlyMap<string, Task>>(new Map());
  const board = useMemo(() => withChanges(polled, changed), [polled, changed]);

  const loadMe = useCallback(async () => {
    try {
      setMe(await call(api.GET('/api/auth/me', {})));
    } catch {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    void loadMe();
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [loadMe]);

  const say = useCallback((message: NoticeMessage) => setNotice(message), []);
  /** Runs a change, says how it went, and refreshes the board at once. */
  const act = useCallback(
    async (what: string, change: () => Promise<unknown>): Promise<boolean> => {
      try {
        const result = await change();
        if (isTask(result)) setChanged((previous) => new Map(previous).set(result.id, result));
        say({ kind: 'ok', text: what });
        void refresh();
        return true;
      } catch (problem) {
        say({ kind: 'error', text: errorText(problem) });
        return false;
      }
    },
    [refresh, say],
  );

  const signOut = async () => {
    await call(api.POST('/api/auth/logout', {})).catch(() => undefined);
    setMe(null);
  };

  const task = useMemo(() => board?.tasks.find((candidate) => candidate.id === open?.taskId), [board, open]);
  const closeDrawer = () => {
    const target = open?.returnFocus;
    setOpen(undefined);
    requestAnimationFrame(() => target?.focus());
  };

  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={loadMe} />;

  return (
    <div class="app">
      <a class="skip" href="#main">
        Skip to the board
      </a>
      <Header
        me={me}
        view={view}
        projects={board?.projects ?? []}
        projectId={projectId}
        onProject={setProjectId}
        onNewTask={() => setOpen({ create: true, returnFocus: document.activeElement as HTMLElement })}
        onSignOut={signOut}
      />
      <Notice message={notice} onDismiss={() => setNotice(undefined)} />
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {!board ? (
          <p class="loading">Loading the board…</p>
        ) : view === 'agents' ? (
          <AgentsView board={board} me={me} act={act} onOpenTask={(taskId) => setOpen({ taskId, returnFocus: document.activeElement as HTMLElement })} />
        ) : view === 'projects' ? (
          <ProjectsView board={board} act={act} />
        ) : view === 'tokens' ? (
          <TokensPanel act={act} />
        ) : (
          <BoardView board={board} projectId={projectId} act={act} onOpen={(taskId, from) => setOpen({ taskId, returnFocus: from })} />
        )}
      </main>
      {board && open && (open.create || task) && (
        <TaskDrawer key={open.taskId ?? 'new'} board={board} task={open.create ? undefined : task} defaultProjectId={projectId} act={act} onClose={closeDrawer} onCreated={(id) => setOpen({ taskId: id, returnFocus: open.returnFocus })} />
      )}
      {board && open?.taskId && !task && (
        <aside class="drawer" role="dialog" aria-modal="true" aria-label="Task">
          <p>This task no longer exists (it was deleted).</p>
          {/* biome-ignore lint/a11y/noAutofocus: the dialog's only control gets the focus, as a modal dialog should */}
          <button type="button" onClick={closeDrawer} autoFocus>
            Close
          </button>
        </aside>
      )}
    </div>
  );
}

const isTask = (value: unknown): value is Task =>
  typeof value === 'object' && value !== null && 'id' in value && 'projectId' in value && 'state' in value && typeof (value as Task).version === 'number';

/** The polled board with each task a change here returned in its place, while that is newer than the poll's. */
function withChanges(board: Board | undefined, changed: ReadonlyMap<string, Task>): Board | undefined {
  if (!board || changed.size === 0) return board;
  let replaced = false;
  const tasks = board.tasks.map((task) => {
    const mine = changed.get(task.id);
    if (!mine || mine.version <= task.version) return task;
    replaced = true;
    return { ...mine, hasFeedback: !!mine.feedback };
  });
  return replaced ? { ...board, tasks } : board;
}
