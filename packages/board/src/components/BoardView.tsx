import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Agent, Board, Project, Task, TaskState } from '../api/client';
import { COLUMNS, DONE_STATES, STATE_LABEL, dependenciesOf } from '../lib/states';
import { TaskCard } from './TaskCard';

/** Cards a column shows before "Show more" (a column of hundreds stays fast). */
const PAGE = 40;

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;

interface Props {
  board: Board;
  projectId: string;
  act: Act;
  onOpen: (taskId: string, from: HTMLElement) => void;
}

/** The unfinished tasks `task` waits for, by title (a deleted dependency no longer blocks). */
function blockedBy(task: Task, tasksById: Map<string, Task>): string {
  return dependenciesOf(task)
    .map((id) => tasksById.get(id))
    .filter((dependency): dependency is Task => !!dependency && !DONE_STATES.has(dependency.state))
    .map((dependency) => dependency.title)
    .join(', ');
}

const byPriority = (a: Task, b: Task) => b.priority - a.priority || a.createdAt.localeCompare(b.createdAt);

/** Marks the first paint of the columns with data (read by `npm run bench`). */
let painted = false;

export function BoardView({ board, projectId, act, onOpen }: Props) {
  useEffect(() => {
    if (painted) return;
    painted = true;
    requestAnimationFrame(() => performance.mark('aiworker:board-painted'));
  }, []);
  const { columns, agents, projects, tasksById } = useMemo(() => {
    const columns = new Map<TaskState, Task[]>(COLUMNS.map((state) => [state, []]));
    for (const task of board.tasks) if (!projectId || task.projectId === projectId) columns.get(task.state)?.push(task);
    for (const list of columns.values()) list.sort(byPriority);
    return {
      columns,
      agents: new Map<string, Agent>(board.agents.map((agent) => [agent.id, agent])),
      projects: new Map<string, Project>(board.projects.map((project) => [project.id, project])),
      tasksById: new Map<string, Task>(board.tasks.map((task) => [task.id, task])),
    };
  }, [board, projectId]);

  if (board.projects.length === 0) {
    return (
      <section class="empty">
        <h2>No projects yet</h2>
        <p>
          A project ties tasks to a Gitea repository. <a href="#/projects">Create the first project</a>.
        </p>
      </section>
    );
  }

  return (
    <div class="columns">
      {COLUMNS.filter((state) => state !== 'cancelled' || (columns.get(state)?.length ?? 0) > 0).map((state) => (
        <Column key={state} state={state} tasks={columns.get(state) ?? []} agents={agents} projects={projects} tasksById={tasksById} act={act} onOpen={onOpen} />
      ))}
    </div>
  );
}

interface ColumnProps {
  state: TaskState;
  tasks: Task[];
  agents: Map<string, Agent>;
  projects: Map<string, Project>;
  tasksById: Map<string, Task>;
  act: Act;
  onOpen: Props['onOpen'];
}

function Column({ state, tasks, agents, projects, tasksById, act, onOpen }: ColumnProps) {
  const [shown, setShown] = useState(PAGE);
  const id = `column-${state}`;
  return (
    <section class={`column state-${state}`} aria-labelledby={id} data-state={state}>
      <h2 id={id}>
        {STATE_LABEL[state]} <span class="count">{tasks.length}</span>
      </h2>
      {tasks.length === 0 ? (
        <p class="none">{state === 'needs_input' ? 'No agent is waiting for you.' : 'Nothing here.'}</p>
      ) : (
        <ul>
          {tasks.slice(0, shown).map((task) => (
            <TaskCard
              key={task.id}
              task={task}
              agent={task.assignedAgentId ? agents.get(task.assignedAgentId) : undefined}
              project={projects.get(task.projectId)}
              act={act}
              blockedBy={blockedBy(task, tasksById)}
              onOpen={onOpen}
            />
          ))}
        </ul>
      )}
      {tasks.length > shown && (
        <button type="button" class="more" onClick={() => setShown(shown + PAGE * 5)}>
          Show {Math.min(PAGE * 5, tasks.length - shown)} more of {tasks.length - shown}
        </button>
      )}
    </section>
  );
}
