import { newId, now } from '../ids.js';
import { GiteaError } from '@aiworker/gitea-client/errors';
import type { GiteaClient } from '@aiworker/gitea-client';
import { issueRepository } from '../db/issue-repository.js';
import { jobRepository } from '../db/job-repository.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { TransactItem } from '../db/store.js';
import type { JobInputOf, JobRecord } from '../schemas/job.js';
import type { Task, TaskState } from '../schemas/task.js';
import { enqueueJob } from './job-producer.js';
import { clockDate, clockMs } from '../clock.js';

/**
 * A task's progress, back on the Gitea issue it came from (docs/issues.md): one comment, edited in place,
 * showing the state, the pull request and a question waiting. An `update_issue_comment` job (the Gitea job
 * queue) is written with every task change that moves what the comment shows (same transaction as the change,
 * like notifications), and renders the task as it is when the job runs, so late or duplicate jobs converge.
 * The comment's id is kept on the issue's link; the first job to make it takes a short lease on the link, and
 * looks for a comment it made before (a marker in the body) in case it died after creating one: never two.
 */
const LEASE_MS = 30_000;
const ATTEMPTS = 6;

/** Hidden in the comment: how a job finds the comment it made when it died before recording its id. */
export const progressMarker = (taskId: string) => `<!-- aiworker:task:${taskId} -->`;

const STATE_WORDS: Record<TaskState, string> = {
  backlog: 'Waiting for an agent',
  in_progress: 'An agent is working on it',
  needs_input: 'Waiting for an answer',
  ready_to_test: 'In review',
  approved: 'Approved, to be merged',
  staging: 'Merged (staging)',
  production: 'In production',
  cancelled: 'Cancelled',
};

/** The comment's text for the task as it is. */
export function progressBody(task: Task): string {
  const lines = [progressMarker(task.id), `**aiworker** task \`${task.id}\`: **${STATE_WORDS[task.state]}** (\`${task.state}\`)`, ''];
  if (task.prUrl) lines.push(`- Pull request: [#${task.prNumber ?? ''}](${task.prUrl})`);
  if (task.branchName) lines.push(`- Branch: \`${task.branchName}\``);
  if (task.state === 'needs_input' && task.question) {
    lines.push('', '**A question waits for an answer** (answer it with a comment on this issue):', '', ...task.question.split('\n').map((line) => `> ${line}`));
  }
  lines.push('', '_This comment is kept up to date by aiworker._');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Whether a change moves what the progress comment shows. */
const shows = (task: Task, next: Task) =>
  !!next.issue && (task.state !== next.state || task.prUrl !== next.prUrl || task.question !== next.question || task.branchName !== next.branchName);

function jobFor(projectId: string, input: JobInputOf<'update_issue_comment'>): JobRecord {
  const at = now();
  return { id: newId(), type: 'update_issue_comment', projectId, input, status: 'queued', attempts: 0, createdAt: at, updatedAt: at, version: 1 };
}

/** The job to write with a task change (undefined when the change shows nothing new on the issue). */
export async function issueProgressJob(task: Task, next: Task): Promise<{ put: TransactItem; jobId: string } | undefined> {
  if (!shows(task, next) || !next.issue) return undefined;
  const project = await projectRepository.get(next.projectId);
  if (!project) return undefined;
  const job = jobFor(project.id, { type: 'update_issue_comment', owner: project.giteaOwner, repo: project.giteaRepo, number: next.issue.number, taskId: next.id });
  return { put: jobRepository.put(job, undefined), jobId: job.id };
}

/** The first comment, for a task just made from an issue. */
export async function requestIssueProgress(task: Task, owner: string, repo: string): Promise<void> {
  if (!task.issue) return;
  await enqueueJob({ projectId: task.projectId, input: { type: 'update_issue_comment', owner, repo, number: task.issue.number, taskId: task.id } });
}

/** The job: makes or edits the one progress comment so it shows the task as it is now. */
export async function syncIssueComment(input: JobInputOf<'update_issue_comment'>, gitea: GiteaClient): Promise<Record<string, unknown>> {
  const { owner, repo, number, taskId } = input;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const link = await issueRepository.get(owner, repo, number);
    if (!link || link.taskId !== taskId) return { skipped: `issue #${number} is not task ${taskId}'s` };
    const task = await taskRepository.get(taskId);
    if (!task) return { skipped: `task ${taskId} no longer exists` };
    const body = progressBody(task);

    if (link.commentId !== undefined) {
      const edited = await gitea.editIssueComment(owner, repo, link.commentId, body);
      if (!edited) {
        // A person deleted it: forget it, and make it again.
        await issueRepository.forgetComment(link, link.commentId);
        continue;
      }
      await issueRepository.shown(link, task.version);
    } else {
      const at = clockDate();
      const until = new Date(at.getTime() + LEASE_MS).toISOString();
      if (!(await issueRepository.leaseComment(link, at.toISOString(), until))) {
        const again = await issueRepository.get(owner, repo, number);
        if (again?.commentId !== undefined) continue;
        const wait = again?.commentLease ? Math.max(1, Math.ceil((Date.parse(again.commentLease) - clockMs()) / 1000)) : 1;
        throw new GiteaError(`Another job is making the progress comment on issue #${number}; trying again`, { operation: 'createIssueComment', retryable: true, retryAfterSeconds: wait });
      }
      try {
        const mine = (await gitea.listIssueComments(owner, repo, number)).find((comment) => comment.body.includes(progressMarker(taskId)));
        const comment = mine ? ((await gitea.editIssueComment(owner, repo, mine.id, body)) ?? mine) : await gitea.createIssueComment(owner, repo, number, body);
        if (!(await issueRepository.recordComment(link, comment.id, task.version))) throw new Error(`The progress comment ${comment.id} on issue #${number} could not be recorded`);
      } catch (error) {
        // Failed after taking the lease: give it back, so the retry (or another job) need not wait it out.
        await issueRepository.releaseLease(link, until).catch(() => undefined);
        throw error;
      }
    }
    // The task may have moved while Gitea was called: show that too (another job for it may have shown an older state last).
    const now = await taskRepository.get(taskId);
    if (!now || now.version === task.version) return { commentId: (await issueRepository.get(owner, repo, number))?.commentId, shows: task.version, state: task.state };
  }
  return { shows: 'the task kept changing; a later job shows its newest state' };
}
