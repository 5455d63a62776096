import { config } from '../config.js';
import { agentRepository } from '../db/agent-repository.js';
import { projectRepository } from '../db/project-repository.js';
import { TEXT_FIELDS, taskRepository, textFieldsOf } from '../db/task-repository.js';
import { tableName } from '../db/store.js';
import type { Page } from '../schemas/common.js';
import type { Board, BoardTask } from '../schemas/board.js';
import type { Task } from '../schemas/task.js';
import { clockMs } from '../clock.js';

/** A task as the board lists it: its long text left out (read when a person opens the task). */
function boardTask(task: Task): BoardTask {
  // Built afresh, no `delete` (see stripKeys): the board turns every task it reads into one.
  const listed: Record<string, unknown> = {};
  for (const name of Object.keys(task)) if (!LEFT_OUT.has(name)) listed[name] = task[name as keyof Task];
  listed.hasFeedback = textFieldsOf(task).includes('feedback');
  return listed as BoardTask;
}
const LEFT_OUT = new Set<string>(TEXT_FIELDS);

/** Tasks one board read returns at most (the newest first beyond that). */
const MAX_TASKS = 5000;
const PAGE = 1000;

async function all<T>(read: (cursor: string | undefined) => Promise<Page<T>>, max: number): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && items.length < max);
  return { items: items.slice(0, max), truncated: Boolean(cursor) || items.length > max };
}

async function readBoard(): Promise<Board> {
  const [tasks, agents, projects] = await Promise.all([
    all((cursor) => taskRepository.list({ limit: PAGE, cursor }, { text: false }), MAX_TASKS),
    all((cursor) => agentRepository.list({ limit: PAGE, cursor }), MAX_TASKS),
    all((cursor) => projectRepository.list(PAGE, cursor), MAX_TASKS),
  ]);
  return {
    tasks: tasks.items.map(boardTask),
    agents: agents.items.map(({ tokenHash: _hash, notice: _notice, ...agent }) => agent),
    projects: projects.items,
    truncated: tasks.truncated,
  };
}

/**
 * One read of everything the board shows. Boards poll it every few seconds; within one function instance
 * (one process locally) reads are shared for `AIWORKER_BOARD_CACHE_MS` (default 1000 ms), so many open
 * boards cost the table one read per interval per instance, not one per board. A board's own writes show
 * at once regardless (it applies their answers itself).
 */
const cache = new Map<string, { at: number; board: Promise<Board> }>();

export function getBoard(): Promise<Board> {
  const ttl = config().boardCacheMs;
  const key = tableName();
  const hit = cache.get(key);
  if (hit && clockMs() - hit.at < ttl) return hit.board;
  const board = readBoard();
  cache.set(key, { at: clockMs(), board });
  board.catch(() => cache.delete(key));
  return board;
}
