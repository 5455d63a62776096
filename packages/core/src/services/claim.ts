import { logger, recordMetric } from '../telemetry.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { now } from '../ids.js';
import { agentRepository, assignAgentUpdate, releaseAgentUpdate } from '../db/agent-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { isTransactionConflict, transact } from '../db/store.js';
import type { AgentRecord } from '../schemas/agent.js';
import type { Project } from '../schemas/project.js';
import type { Task } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { getProject } from './projects.js';
import { transitionTask } from './tasks.js';

const projectOf = (id: string): Promise<Project | undefined> => getProject(id).catch((error: unknown) => {
  if (error instanceof NotFoundError) return undefined;
  throw error;
});
import { applyStateChange, stateEvent } from './task-changes.js';

/** Backlog tasks read by the first query: the top one is tried first, so a lone agent gets the top task. */
const FIRST_CANDIDATES = 10;
/** Backlog tasks read after a lost race: a wide window to pick from at random, so racing agents spread out. */
const WIDE_CANDIDATES = 50;
/** Lost races per claim before giving up on a very busy backlog ("call again"). */
const MAX_ATTEMPTS = 30;

export type ClaimResult =
  | { task: Task; project: Project; resumed: boolean }
  | { task: null; message: string };

type Attempt = { outcome: 'won'; task: Task } | { outcome: 'lost' } | { outcome: 'agent-busy' };

/**
 * Gives the agent the next backlog task: highest priority, then oldest (optionally only of one project).
 *
 * An agent that already holds a task gets that task back (`resumed`), so an agent that restarts resumes
 * its work. Otherwise each candidate is tried with ONE transaction: the task moves to `in_progress` with
 * the agent (guarded by the version it was read at), the agent takes it (guarded: it holds no task), and a
 * `claimed` event is written. A task condition that fails means another agent won that task (or changed
 * it): read the backlog afresh and try a random one of its top tasks, so agents that arrived together
 * spread out instead of colliding again, and nobody walks a list that others have already emptied.
 * An agent condition that fails means this agent got a task meanwhile (a parallel call): return that one.
 * So every task is claimed at most once and an agent never holds two.
 *
 * "No task" is only answered after a fresh query finds no backlog task this call has not lost a race on
 * (a task changed since then counts as new: it is remembered with its version).
 */
export async function claimNextTask(agentId: string, options: { projectId?: string } = {}): Promise<ClaimResult> {
  const backlog = (limit: number, cursor?: string) => taskRepository.byStateRanked('backlog', limit, options.projectId, cursor);
  // The three reads a claim starts with are independent: make them side by side (the query is wasted
  // only when the agent turns out to hold a task already, which is rare: a restarted agent).
  const [scope, held, firstPage] = await Promise.all([options.projectId ? getProject(options.projectId) : undefined, heldTask(agentId), backlog(FIRST_CANDIDATES)]);
  if (held) return held;
  const won = (task: Task, project: Project): ClaimResult => {
    recordMetric('Claims');
    logger.info('Task claimed', { taskId: task.id, agentId });
    return { task, project, resumed: false };
  };

  const lost = new Set<string>();
  const seen = (task: Task) => `${task.id}#${task.version}`;
  let page = firstPage;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; ) {
    const candidates = page.items.filter((task) => !lost.has(seen(task)));
    if (candidates.length === 0) {
      // Every task on this page was lost to others; on real DynamoDB the index may lag a moment, so look further.
      if (page.cursor && page.items.length > 0) {
        page = await backlog(WIDE_CANDIDATES, page.cursor);
        continue;
      }
      const where = options.projectId ? ` in project '${options.projectId}'` : '';
      return { task: null, message: `No task is waiting in the backlog${where}. Ask again later.` };
    }
    attempt++;
    const candidate = lost.size === 0 ? candidates[0] : candidates[Math.floor(Math.random() * candidates.length)];
    // A task is never handed out without its project (a task cannot outlive it; one left from before is skipped).
    const project = scope ?? (await projectOf(candidate.projectId));
    if (!project) {
      lost.add(seen(candidate));
      page = await backlog(WIDE_CANDIDATES);
      continue;
    }
    const result = await tryClaim(agentId, candidate);
    if (result.outcome === 'won') return won(result.task, project);
    if (result.outcome === 'lost') recordMetric('ClaimRacesLost');
    if (result.outcome === 'agent-busy') {
      const current = await heldTask(agentId);
      if (current) return current;
      // The agent let go of its task meanwhile: this candidate may still be free.
      const retried = await tryClaim(agentId, candidate);
      if (retried.outcome === 'won') return won(retried.task, project);
    }
    lost.add(seen(candidate));
    page = await backlog(WIDE_CANDIDATES);
  }
  throw new ConflictError('Too many agents are claiming tasks at this moment; call get_next_task again');
}

/** The task the agent holds, if any; a stale pointer (task gone or no longer the agent's) is cleared. */
async function heldTask(agentId: string): Promise<ClaimResult | undefined> {
  const agent = await agentRepository.get(agentId);
  if (!agent) throw new NotFoundError('Agent', agentId);
  if (!agent.currentTaskId) return undefined;
  const task = await taskRepository.get(agent.currentTaskId);
  if (task && task.assignedAgentId === agentId && isActive(task.state)) {
    const project = await projectOf(task.projectId);
    if (project) return { task, project, resumed: true };
    // A task left without its project (only data from before projects counted their tasks): it cannot be
    // worked on, so it is cancelled and the agent is free again rather than stuck on it.
    await transitionTask(task.id, { to: 'cancelled', agentId, note: `The task's project '${task.projectId}' no longer exists; task cancelled` }).catch(() => undefined);
    return undefined;
  }
  await clearStalePointer(agent);
  return undefined;
}

async function clearStalePointer(agent: AgentRecord) {
  // Only if it still points at that task; losing this race is fine (someone else changed the agent).
  await transact([releaseAgentUpdate(agent.id, agent.currentTaskId!, now())]);
}

async function tryClaim(agentId: string, task: Task): Promise<Attempt> {
  const at = now();
  const change = { to: 'in_progress' as const, agentId, eventType: 'claimed', note: `Agent ${agentId} claimed the task` };
  const next: Task = { ...applyStateChange(task, change), assignedAgentId: agentId, claimedAt: at, updatedAt: at, version: task.version + 1 };
  const items = [taskRepository.put(next, task.version), assignAgentUpdate(agentId, task.id, at), taskRepository.eventPut(stateEvent(task, next, change))];
  let failed: number[];
  try {
    failed = await transact(items);
  } catch (error) {
    // Two transactions touching the same item at once: DynamoDB cancels one with TransactionConflict.
    // Kept colliding with other transactions after transact()'s own retries: try another task; the next
    // fresh query shows this one again if it is still free.
    if (isTransactionConflict(error)) return { outcome: 'lost' };
    throw error;
  }
  if (failed.length === 0) return { outcome: 'won', task: next };
  if (failed.includes(1)) return { outcome: 'agent-busy' };
  return { outcome: 'lost' };
}
