import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError } from '../errors.js';
import { now } from '../ids.js';
import { agentRepository, assignAgentUpdate, releaseAgentUpdate } from '../db/agent-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { transact } from '../db/store.js';
import type { AgentRecord } from '../schemas/agent.js';
import type { Project } from '../schemas/project.js';
import type { Task } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { getProject } from './projects.js';
import { applyStateChange, stateEvent } from './task-changes.js';

/** Backlog candidates read per query: enough that many agents claiming at once rarely run out. */
const CANDIDATES = 25;
/** Queries per claim before giving up on a very busy backlog (each one only after every candidate was taken). */
const MAX_QUERIES = 20;
/** Tries on one candidate that keeps colliding with other transactions (not lost, just busy). */
const ATTEMPTS_PER_CANDIDATE = 4;

export type ClaimResult =
  | { task: Task; project: Project; resumed: boolean }
  | { task: null; message: string };

type Attempt = { outcome: 'won'; task: Task } | { outcome: 'taken' } | { outcome: 'agent-busy' } | { outcome: 'retry'; task: Task };

/**
 * Gives the agent the next backlog task: highest priority, then oldest (optionally only of one project).
 *
 * An agent that already holds a task gets that task back (`resumed`), so an agent that restarts resumes
 * its work. Otherwise each candidate is tried with ONE transaction: the task moves to `in_progress` with
 * the agent (guarded by the version it was read at), the agent takes it (guarded: it holds no task), and a
 * `claimed` event is written. A task condition that fails means another agent won that task: try the next
 * (after a lost race, one of the next few, so agents arriving together spread out instead of colliding).
 * An agent condition that fails means this agent got a task meanwhile (a parallel call): return that one.
 * So every task is claimed at most once and an agent never holds two.
 *
 * "No task" is only answered after a fresh query finds no backlog task this call has not seen taken.
 */
export async function claimNextTask(agentId: string, options: { projectId?: string } = {}): Promise<ClaimResult> {
  if (options.projectId) await getProject(options.projectId);
  const held = await heldTask(agentId);
  if (held) return held;

  const taken = new Set<string>();
  for (let query = 0; query < MAX_QUERIES; query++) {
    const page = await taskRepository.byStateRanked('backlog', CANDIDATES, options.projectId);
    const candidates = page.items.filter((task) => !taken.has(task.id));
    if (candidates.length === 0) {
      const where = options.projectId ? ` in project '${options.projectId}'` : '';
      return { task: null, message: `No task is waiting in the backlog${where}. Ask again later.` };
    }
    const remaining = [...candidates];
    for (let losses = 0; remaining.length > 0; losses++) {
      // The first try is the top task. After losing a race, pick at random among the remaining candidates,
      // so agents that arrived together stop colliding on the same few tasks (each lost race costs a transaction).
      const index = losses === 0 ? 0 : Math.floor(Math.random() * remaining.length);
      const [candidate] = remaining.splice(index, 1);
      const result = await claimCandidate(agentId, candidate);
      if (result.outcome === 'won') return { task: result.task, project: await getProject(result.task.projectId), resumed: false };
      if (result.outcome === 'agent-busy') {
        const current = await heldTask(agentId);
        if (current) return current;
        // The agent let go of its task meanwhile: this candidate may still be free.
        const retried = await claimCandidate(agentId, candidate);
        if (retried.outcome === 'won') return { task: retried.task, project: await getProject(retried.task.projectId), resumed: false };
      }
      taken.add(candidate.id);
    }
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
    return { task, project: await getProject(task.projectId), resumed: true };
  }
  await clearStalePointer(agent);
  return undefined;
}

async function clearStalePointer(agent: AgentRecord) {
  // Only if it still points at that task; losing this race is fine (someone else changed the agent).
  await transact([releaseAgentUpdate(agent.id, agent.currentTaskId!, now())]);
}

/** Tries one candidate until it is won or lost; a collision with another transaction is retried on fresh data. */
async function claimCandidate(agentId: string, candidate: Task): Promise<Attempt> {
  let task = candidate;
  for (let attempt = 0; attempt < ATTEMPTS_PER_CANDIDATE; attempt++) {
    const result = await tryClaim(agentId, task);
    if (result.outcome !== 'retry') return result;
    // Lost a race on the task: re-read it; it may still be free (the index showed an older version).
    const fresh = await taskRepository.get(task.id);
    if (!fresh || fresh.state !== 'backlog') return { outcome: 'taken' };
    task = fresh;
    if (attempt > 0) await sleep(5 + Math.random() * 20 * attempt);
  }
  return { outcome: 'taken' };
}

async function tryClaim(agentId: string, task: Task): Promise<Attempt> {
  const at = now();
  const change = { to: 'in_progress' as const, agentId, eventType: 'claimed', note: `Agent ${agentId} claimed the task` };
  const next: Task = { ...applyStateChange(task, change), assignedAgentId: agentId, updatedAt: at, version: task.version + 1 };
  const items = [taskRepository.put(next, task.version), assignAgentUpdate(agentId, task.id, at), taskRepository.eventPut(stateEvent(task, next, change))];
  let failed: number[];
  try {
    failed = await transact(items);
  } catch (error) {
    // Two transactions touching the same item at once: DynamoDB cancels one with TransactionConflict.
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((reason) => reason.Code === 'TransactionConflict')) {
      return { outcome: 'retry', task };
    }
    throw error;
  }
  if (failed.length === 0) return { outcome: 'won', task: next };
  if (failed.includes(1)) return { outcome: 'agent-busy' };
  return { outcome: 'retry', task };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
