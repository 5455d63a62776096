import { TRANSITIONS } from '@aiworker/core/state-machine';
import type { BoardTask, Task, TaskState } from '../api/client';

/** The board's columns, left to right: what needs a person first. */
export const COLUMNS: TaskState[] = ['needs_input', 'backlog', 'in_progress', 'ready_to_test', 'approved', 'staging', 'production', 'cancelled'];

export const STATE_LABEL: Record<TaskState, string> = {
  needs_input: 'Needs you',
  backlog: 'Backlog',
  in_progress: 'In progress',
  ready_to_test: 'In review',
  approved: 'Approved',
  staging: 'Staging',
  production: 'Production',
  cancelled: 'Cancelled',
};

export const canMove = (from: TaskState, to: TaskState) => TRANSITIONS[from].includes(to);

/** What a review looks like on a card. */
export function reviewState(task: Task | BoardTask): string | undefined {
  if (task.state === 'ready_to_test') return task.prUrl ? 'Waiting for review' : 'Ready to test';
  if (task.state === 'approved') return 'Approved';
  if (task.state === 'in_progress' && hasReviewFeedback(task)) return 'Changes requested';
  return undefined;
}

/** Whether the task carries review feedback for the agent: the board's list says so; a task read whole has the text. */
export const hasReviewFeedback = (task: Task | BoardTask): boolean => ('hasFeedback' in task && task.hasFeedback) || ('feedback' in task && !!task.feedback);

/** The ids of the tasks this one waits for. */
export const dependenciesOf = (task: Task): string[] => task.dependsOn ?? [];

/** A dependency is done once approved (what the claim rule counts: approved, staging or production). */
export const DONE_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['approved', 'staging', 'production']);
