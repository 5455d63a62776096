import { ValidationError } from '../errors.js';
import { now } from '../ids.js';
import { agentRepository, releaseAgentUpdate } from '../db/agent-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { dependentUpdates } from './dependencies.js';
import { transact, type TransactItem } from '../db/store.js';
import { dispatchNotifications, projectNotification } from './notifications.js';
import { issueProgressJob } from './issue-progress.js';
import type { Task, TaskEvent, TaskState } from '../schemas/task.js';
import type { AgentNotice } from '../schemas/agent.js';
import { assertTransition, isActive } from '../state-machine.js';
import { actorName } from './actor-names.js';

export interface StateChange {
  to: TaskState;
  question?: string;
  note?: string;
  /** Who asked: an agent id, or undefined for a person using the REST API. */
  agentId?: string;
  /** Overrides the event type (e.g. `lease_expired`). */
  eventType?: string;
  /** Who did it, as recorded in the event: `admin`, `gitea:<login>`, `agent:<id>`, `system`. */
  actor?: string;
  /** With `backlog`: keep the task out of the claimable backlog until a person retries it (why, as `held`). */
  hold?: string;
}

/** Applies a state change to a task: the transition rule and what each state carries with it. */
export function applyStateChange(task: Task, change: StateChange): Task {
  assertTransition(task.state, change.to);
  // A field that does not apply is refused, not dropped: the caller meant something that would not happen.
  if (change.question !== undefined && change.to !== 'needs_input') {
    throw new ValidationError(`A 'question' goes only with state 'needs_input' (the task would move to '${change.to}')`);
  }
  const next: Task = { ...task, state: change.to };
  if (change.to === 'needs_input') {
    if (!change.question) throw new ValidationError("Moving a task to 'needs_input' needs a 'question' for a human");
    next.question = change.question;
  } else {
    delete next.question;
  }
  if (change.to === 'backlog') {
    delete next.assignedAgentId;
    delete next.claimedAt;
  }
  if (change.to === 'backlog' && change.hold) next.held = change.hold;
  else delete next.held;
  return next;
}

export function stateEvent(task: Task, next: Task, change: StateChange): TaskEvent {
  const by = change.agentId ? `agent ${change.agentId}` : actorName(change.actor);
  const actor = change.actor ?? (change.agentId ? `agent:${change.agentId}` : undefined);
  return {
    taskId: task.id,
    at: now(),
    type: change.eventType ?? 'state_changed',
    from: task.state,
    to: next.state,
    agentId: change.agentId,
    ...(actor ? { actor } : {}),
    ...(next.state === 'needs_input' && next.question ? { question: next.question } : {}),
    message: change.note ?? `${by} moved the task from ${task.state} to ${next.state}`,
  };
}

/** The agent that must be freed when a task leaves its hands. */
export function agentToRelease(task: Task, next: Task): string | undefined {
  if (!task.assignedAgentId || !isActive(task.state) || isActive(next.state)) return undefined;
  return task.assignedAgentId;
}

/**
 * Writes a task change in one transaction: the task (guarded by its version), its event, and — when
 * the task leaves an agent's hands — the agent, freed only if it still holds this task.
 * Returns false when the task's version moved on.
 */
export async function saveTaskChange(
  task: Task,
  next: Task,
  event: TaskEvent | undefined,
  options: { releaseStatus?: 'idle' | 'offline'; extra?: TransactItem[] } = {},
): Promise<boolean> {
  const items: TransactItem[] = [...taskRepository.change(task, next), ...(options.extra ?? []), ...(await dependentUpdates(task, next, event?.actor))];
  const notice = await entryNotification(task, next);
  if (notice) items.push(notice.put);
  const progress = await issueProgressJob(task, next);
  if (progress) items.push(progress.put);
  if (event) items.push(taskRepository.eventPut(event));
  const releaseId = agentToRelease(task, next);
  let releaseIndex = -1;
  if (releaseId) {
    const agent = await agentRepository.get(releaseId);
    if (agent?.currentTaskId === task.id) {
      releaseIndex = items.push(releaseAgentUpdate(releaseId, task.id, next.updatedAt, options.releaseStatus, releaseNotice(task, releaseId, event))) - 1;
    }
  }
  const failed = await transact(items);
  if (failed.length === 0) return notified([notice, progress], true);
  if (failed.includes(0)) return false;
  if (failed.length === 1 && failed[0] === releaseIndex) {
    // The agent let go of this task meanwhile: nothing to free, write the rest.
    items.splice(releaseIndex, 1);
    return notified([notice, progress], (await transact(items)).length === 0);
  }
  return false;
}

/**
 * What an agent is told on its next tool call when a person (on the board, the API, or in Gitea: a merge)
 * took the task it held out of its hands; nothing when the agent moved it itself or a job it asked for did.
 */
export function releaseNotice(task: Task, agentId: string, event: TaskEvent | undefined): AgentNotice | undefined {
  const actor = event?.actor;
  if (!event || !actor || actor === 'system' || actor.startsWith('agent:') || event.agentId === agentId) return undefined;
  const why = event.message;
  return {
    taskId: task.id,
    at: event.at,
    message: `You no longer hold task ${task.id} ('${task.title}'): ${why}. Stop working on it; call get_next_task for your next task.`,
  };
}

/** A person is wanted when a task enters needs_input (a question) or ready_to_test (review): tell the project's URL. */
async function entryNotification(task: Task, next: Task) {
  if (next.state === task.state || (next.state !== 'needs_input' && next.state !== 'ready_to_test')) return undefined;
  const message =
    next.state === 'needs_input'
      ? `Task "${next.title}" needs input: ${next.question ?? ''}`
      : `Task "${next.title}" is ready to test${next.prUrl ? `: ${next.prUrl}` : ''}`;
  return projectNotification(next.projectId, {
    event: next.state === 'needs_input' ? 'task.needs_input' : 'task.ready_to_test',
    message,
    taskId: next.id,
    taskTitle: next.title,
    taskState: next.state,
    agentId: next.assignedAgentId ?? task.assignedAgentId,
  });
}

async function notified(jobs: Array<{ jobId: string } | undefined>, written: boolean): Promise<boolean> {
  if (written && jobs.some(Boolean)) await dispatchNotifications(jobs.map((job) => job?.jobId));
  return written;
}
