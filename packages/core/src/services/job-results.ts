import { NotFoundError, VersionConflictError } from '../errors.js';
import { now } from '../ids.js';
import { boundedCopy, excerpt } from '../excerpt.js';
import { jobRepository } from '../db/job-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { pullRepository } from '../db/pull-repository.js';
import { transact, type TransactItem } from '../db/store.js';
import { projectRepository } from '../db/project-repository.js';
import { dispatchNotifications, projectNotification } from './notifications.js';
import type { JobRecord } from '../schemas/job.js';
import type { Task, TaskEvent, TaskState } from '../schemas/task.js';
import { canTransition } from '../state-machine.js';
import { updateVersioned } from './optimistic.js';
import { applyStateChange, saveTaskChange } from './task-changes.js';
import { httpUrl } from '../web-url.js';

/**
 * What a finished job writes: the job (guarded by the version the worker claimed it at) and, for a task's
 * job, the task and a task event — all in one transaction, so a job never succeeds without its task
 * showing it (and never twice).
 */

type TaskPlan = (task: Task) => { next: Task; event: Omit<TaskEvent, 'taskId' | 'at'>; extra?: TransactItem[] };

const settled = (job: JobRecord, changes: Partial<JobRecord>): JobRecord => {
  const { leaseUntil: _lease, error: _error, ...rest } = job;
  return { ...rest, ...changes, updatedAt: now(), version: job.version + 1 };
};

async function writeWithTask(claimed: JobRecord, next: JobRecord, plan: TaskPlan, always: TransactItem[] = []): Promise<void> {
  const jobPut = jobRepository.put(next, claimed.version);
  if (!claimed.taskId) {
    const extra = projectPlan(claimed, next);
    if ((await transact([jobPut, ...extra, ...always])).length) throw new VersionConflictError('Job', claimed.id, claimed.version);
    return;
  }
  const taskId = claimed.taskId;
  const events = new Map<number, { event: TaskEvent; extra: TransactItem[] }>();
  try {
    await updateVersioned<Task>({
      kind: 'Task',
      id: taskId,
      load: () => taskRepository.get(taskId),
      change: (task) => {
        const { next: changed, event, extra = [] } = plan(task);
        events.set(task.version, { event: { taskId, at: now(), actor: claimed.requestedBy ?? 'system', ...event }, extra });
        return changed;
      },
      save: (changed, task) => {
        const planned = events.get(task.version);
        return saveTaskChange(task, changed, planned?.event, { extra: [jobPut, ...(planned?.extra ?? []), ...always] });
      },
    });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    // The task was deleted meanwhile: the job still records what happened in Gitea.
    if ((await transact([jobPut, ...always])).length) throw new VersionConflictError('Job', claimed.id, claimed.version);
  }
}

/** What a project's job (no task) records beside itself: the repository's hook for a register_webhook job. */
function projectPlan(claimed: JobRecord, next: JobRecord): TransactItem[] {
  if (claimed.type !== 'register_webhook' || next.status !== 'succeeded' || !next.result) return [];
  const result = next.result;
  return [
    projectRepository.hookPut({
      owner: String(claimed.input.owner),
      repo: String(claimed.input.repo),
      hookId: Number(result.hookId),
      url: String(result.url),
      giteaLogin: typeof result.giteaLogin === 'string' ? result.giteaLogin : undefined,
      syncedAt: next.updatedAt,
    }),
  ];
}

const clearError = (task: Task): Task => {
  const { lastError: _error, failedJob: _job, ...rest } = task;
  return rest;
};

/**
 * Fencing: the job was asked for under a claim (agent + when it claimed) that no longer holds the task —
 * it was given up, lease-expired, claimed by another agent or sent back meanwhile. Its result is recorded
 * but moves nothing.
 */
export function isStaleFor(job: JobRecord, task: Task): boolean {
  if (!job.claim) return false;
  return task.assignedAgentId !== job.claim.agentId || task.claimedAt !== job.claim.claimedAt;
}

const staleNote = (job: JobRecord, task: Task) =>
  ` — asked for by agent ${job.claim?.agentId}, which no longer holds the task${task.assignedAgentId ? ` (agent ${task.assignedAgentId} does now)` : ''}: recorded, state left as it is`;

/** Moves the task on when its state allows it (a duplicate or late result leaves the state alone). */
function moveIfAllowed(task: Task, to: TaskState, note: string): { next: Task; from?: TaskState; to?: TaskState } {
  if (task.state === to || !canTransition(task.state, to)) return { next: task };
  return { next: applyStateChange(task, { to, note }), from: task.state, to };
}

function successPlan(job: JobRecord, result: Record<string, unknown>): TaskPlan {
  const plan = freshSuccessPlan(job, result);
  return (task) => {
    if (!isStaleFor(job, task)) return plan(task);
    // Only what Gitea made is kept (branch, PR); state, assignment and lastError stay as they are.
    const { next, event } = plan(task);
    const recorded: Task = { ...task, branchName: next.branchName, prUrl: next.prUrl, prNumber: next.prNumber };
    return { next: recorded, event: { type: event.type, message: `${event.message}${staleNote(job, task)}` } };
  };
}

function freshSuccessPlan(job: JobRecord, result: Record<string, unknown>): TaskPlan {
  const where = `${job.input.owner}/${job.input.repo}`;
  switch (job.type) {
    case 'create_branch':
      return (task) => ({
        next: { ...clearError(task), branchName: String(result.branch) },
        event: { type: 'branch_created', message: `Branch ${String(result.branch)} ${result.reused ? 'found' : 'created'} in ${where} (job ${job.id})` },
      });
    case 'create_pull_request':
      return (task) => {
        // Only an http(s) link is kept: it is shown as a link on the board.
        const prUrl = httpUrl(result.url);
        const message = `Pull request #${String(result.number)} ${result.reused ? 'found' : 'opened'}${prUrl ? `: ${prUrl}` : ''} (job ${job.id})`;
        const withPr: Task = { ...clearError(task), prUrl, prNumber: Number(result.number) };
        if (!prUrl) delete withPr.prUrl;
        const moved = moveIfAllowed(withPr, 'ready_to_test', message);
        // The link a Gitea webhook about this pull request finds its task by.
        const link = pullRepository.link({ owner: String(job.input.owner), repo: String(job.input.repo), number: Number(result.number), taskId: task.id, projectId: task.projectId });
        return { next: moved.next, event: { type: 'pull_request_opened', from: moved.from, to: moved.to, message }, extra: [link] };
      };
    case 'merge_pull_request':
      return (task) => {
        const message = `Pull request #${String(result.number)} ${result.alreadyMerged ? 'was already merged' : 'merged'} in ${where} (job ${job.id})`;
        const moved = moveIfAllowed(clearError(task), 'staging', message);
        return { next: moved.next, event: { type: 'pull_request_merged', from: moved.from, to: moved.to, message } };
      };
    case 'create_repository':
      return (task) => ({ next: task, event: { type: 'repository_created', message: `Repository ${where} ready (job ${job.id})` } });
    case 'register_webhook':
      return (task) => ({ next: task, event: { type: 'webhook_registered', message: `Webhook of ${where} ${result.created ? 'created' : 'updated'} (job ${job.id})` } });
    case 'sync_checks':
      return (task) => ({ next: task, event: { type: 'checks_synced', message: `CI statuses read from ${where} (job ${job.id})` } });
    case 'send_notification':
      return (task) => ({ next: task, event: { type: 'notification_sent', message: `Notification sent (job ${job.id})` } });
    case 'update_issue_comment':
      return (task) => ({ next: task, event: { type: 'issue_comment_updated', message: `Progress shown on the issue (job ${job.id})` } });
  }
}

export async function completeJob(claimed: JobRecord, answer: Record<string, unknown>): Promise<JobRecord> {
  const result = boundedCopy(answer) as Record<string, unknown>;
  const next = settled(claimed, { status: 'succeeded', result });
  await writeWithTask(claimed, next, successPlan(claimed, result));
  return next;
}

/** Ends the job as failed; the task shows why (`lastError` and a `job_failed` event). */
export async function failJob(claimed: JobRecord, reason: string): Promise<JobRecord> {
  const error = excerpt(reason);
  const next = settled(claimed, { status: 'failed', error });
  // Told to the project's notification URL, if it has one (a failed notification tells nobody: no loop).
  const notice =
    claimed.type === 'send_notification'
      ? undefined
      : await projectNotification(claimed.projectId, {
          event: 'job.failed',
          message: `The ${claimed.type} job ${claimed.id} failed for good: ${error}`,
          taskId: claimed.taskId,
          failedJobId: claimed.id,
        });
  await writeWithTask(claimed, next, (task) =>
    isStaleFor(claimed, task)
      ? { next: task, event: { type: 'job_failed', message: `${claimed.type} job ${claimed.id} failed: ${error}${staleNote(claimed, task)}` } }
      : {
          next: { ...task, lastError: `${claimed.type} job ${claimed.id} failed: ${error}`, failedJob: { id: claimed.id, type: claimed.type } },
          event: { type: 'job_failed', message: `${claimed.type} job ${claimed.id} failed: ${error}` },
        },
    notice ? [notice.put] : [],
  );
  await dispatchNotifications([notice?.jobId]);
  return next;
}

/** Puts the job back to `queued` with the error of this attempt, while its message waits out the backoff. */
export async function requeueJob(claimed: JobRecord, error: string): Promise<void> {
  await jobRepository.save(settled(claimed, { status: 'queued', error: excerpt(error) }), claimed.version);
}
