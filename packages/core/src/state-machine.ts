import { InvalidTransitionError } from './errors.js';
import type { TaskState } from './schemas/task.js';

/**
 * The task life cycle. `backlog → in_progress → needs_input ⇄ in_progress → ready_to_test → approved →
 * staging → production`, plus: release back to backlog, send back from review, cancel, reopen.
 */
export const TRANSITIONS: Record<TaskState, readonly TaskState[]> = {
  backlog: ['in_progress', 'cancelled'],
  in_progress: ['needs_input', 'ready_to_test', 'backlog', 'cancelled'],
  needs_input: ['in_progress', 'backlog', 'cancelled'],
  ready_to_test: ['approved', 'in_progress', 'backlog', 'cancelled'],
  approved: ['staging', 'in_progress', 'cancelled'],
  staging: ['production', 'in_progress', 'cancelled'],
  production: [],
  cancelled: ['backlog'],
};

/** States in which a task is in an agent's hands: the agent holds it and is busy. */
export const ACTIVE_STATES: readonly TaskState[] = ['in_progress', 'needs_input'];

export const isActive = (state: TaskState): boolean => ACTIVE_STATES.includes(state);

export const canTransition = (from: TaskState, to: TaskState): boolean => TRANSITIONS[from].includes(to);

export function assertTransition(from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to, TRANSITIONS[from]);
}
