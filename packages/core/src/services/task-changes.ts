import { ValidationError } from '../errors.js';
import { now } from '../ids.js';
import { agentRepository, releaseAgentUpdate } from '../db/agent-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { transact, type TransactItem } from '../db/store.js';
import type { Task, TaskEvent, TaskState } from '../schemas/task.js';
import { assertTransition, isActive } from '../state-machine.js';

export interface StateChange {
  to: TaskState;
  question?: string;
  note?: string;
  /** Who asked: an agent id, or undefined for a person using the REST API. */
  agentId?: string;
  /** Overrides the event type (e.g. `lease_expired`). */
  eventType?: string;
  /** Who did it (`admin`, `gitea:<login>`, `agent:<id>`, `system`); copied into the event. */
  actor?: string;
}

/** Applies a state change to a task: the transition rule and what each state carries with it. */
export function applyStateChange(task: Task, change: StateChange): Task {
  assertTransition(task.state, change.to);
  const next: Task = { ...task, state: change.to };
  if (change.to === 'needs_input') {
    if (!change.question) throw new ValidationError("Moving a task to 'needs_input' needs a 'question' for a human");
    next.question = change.question;
  } else {
    delete next.question;
  }
  if (change.to === 'backlog') delete next.assignedAgentId;
  return next;
}

export function stateEvent(task: Task, next: Task, change: StateChange): TaskEvent {
  const by = change.agentId ? `agent ${change.agentId}` : 'a user';
  return {
    taskId: task.id,
    at: now(),
    type: change.eventType ?? 'state_changed',
    from: task.state,
    to: next.state,
    agentId: change.agentId,
    ...(change.actor ?? (change.agentId ? `agent:${change.agentId}` : undefined) ? { actor: change.actor ?? `agent:${change.agentId}` } : {}),
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
  const items: TransactItem[] = [...taskRepository.change(task, next), ...(options.extra ?? [])];
  if (event) items.push(taskRepository.eventPut(event));
  const releaseId = agentToRelease(task, next);
  let releaseIndex = -1;
  if (releaseId) {
    const agent = await agentRepository.get(releaseId);
    if (agent?.currentTaskId === task.id) {
      releaseIndex = items.push(releaseAgentUpdate(releaseId, task.id, next.updatedAt, options.releaseStatus)) - 1;
    }
  }
  const failed = await transact(items);
  if (failed.length === 0) return true;
  if (failed.includes(0)) return false;
  if (failed.length === 1 && failed[0] === releaseIndex) {
    // The agent let go of this task meanwhile: nothing to free, write the rest.
    items.splice(releaseIndex, 1);
    return (await transact(items)).length === 0;
  }
  return false;
}
