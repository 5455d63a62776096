import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { jobRepository } from '../db/job-repository.js';
import { projectRepository } from '../db/project-repository.js';
import { transact } from '../db/store.js';
import { webhookSettings } from './webhook-settings.js';
import type { Page, PageQuery } from '../schemas/common.js';
import type { Job, JobInputOf, JobType, ProjectCreateRequest, PullRequestRequest } from '../schemas/job.js';
import type { Project } from '../schemas/project.js';
import type { Task, TaskState } from '../schemas/task.js';
import { ACTIVE_STATES } from '../state-machine.js';
import { taskBranchName } from './branch-name.js';
import { enqueueJob, publicJob } from './job-producer.js';
import { prepareJobQueue } from './job-queue.js';
import { createProject, getProject } from './projects.js';
import { getTask } from './tasks.js';

/**
 * Gitea work as jobs: each request checks its preconditions up front (clear FORBIDDEN, NOT_FOUND, CONFLICT), records a job
 * and sends it to SQS; the worker does the Gitea calls. Used by the REST handlers and the MCP tools.
 */

export async function getJob(jobId: string): Promise<Job> {
  const job = await jobRepository.get(jobId);
  if (!job) throw new NotFoundError('Job', jobId);
  return publicJob(job);
}

export async function listTaskJobs(taskId: string, page: Partial<PageQuery> = {}): Promise<Page<Job>> {
  // Side by side (one round trip, not two); an unknown task is NOT_FOUND whatever the page read says.
  const [task, result] = await Promise.allSettled([getTask(taskId), jobRepository.byTask(taskId, page.limit ?? 25, page.cursor)]);
  if (task.status === 'rejected') throw task.reason;
  if (result.status === 'rejected') throw result.reason;
  return { ...result.value, items: result.value.items.map(publicJob) };
}

const isFinished = (job: Job) => job.status === 'succeeded' || job.status === 'failed';

/** Polls the job until it has succeeded or failed, or `seconds` have passed; returns it as it is then. */
export async function waitForJob(jobId: string, seconds: number): Promise<Job> {
  // A real wait: timed on the monotonic clock, not core's clock (which tests move).
  const deadline = performance.now() + Math.max(0, seconds) * 1000;
  for (;;) {
    const job = await getJob(jobId);
    if (isFinished(job) || performance.now() >= deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - performance.now()))));
  }
}

/** A job of this type for the task that is still queued or running: asking again returns it rather than a second one. */
async function pendingJob(taskId: string, type: JobType): Promise<Job | undefined> {
  let cursor: string | undefined;
  do {
    const page = await jobRepository.byTask(taskId, 100, cursor);
    const pending = page.items.find((job) => job.type === type && !isFinished(job));
    if (pending) return publicJob(pending);
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}

function assertState(task: Task, allowed: readonly TaskState[], what: string) {
  if (!allowed.includes(task.state)) {
    throw new ConflictError(`Task '${task.id}' is in '${task.state}'; ${what} needs it in ${allowed.map((state) => `'${state}'`).join(' or ')}`, {
      state: task.state,
      allowed,
    });
  }
}

function assertHolder(task: Task, agentId: string | undefined) {
  if (agentId !== undefined && task.assignedAgentId !== agentId) {
    throw new ForbiddenError(`Task '${task.id}' is not assigned to agent '${agentId}'`);
  }
}

/**
 * What makes two requests "the same": the task, the job type and the task's version. Requests racing each
 * other (a client retrying while its first request is still being served) get the one job; once a job
 * has finished, the task's version has moved on (its result or error was written), so asking again later
 * makes a new job.
 */
const taskJobKey = (task: Task, type: JobType) => `${task.id}/${type}/${task.version}`;

const repositoryOf = (project: Project) => ({ owner: project.giteaOwner, repo: project.giteaRepo });

/** Who holds the task now, recorded on the job it asks for. */
const claimOf = (task: Task): Job['claim'] => (task.assignedAgentId ? { agentId: task.assignedAgentId, claimedAt: task.claimedAt } : undefined);

/** The task's job of this type: the one still queued or running, else a new one with `input` for its project. */
async function taskJob<T extends JobType>(task: Task, type: T, input: (project: Project) => Omit<JobInputOf<T>, 'type'>, requestedBy?: string): Promise<Job> {
  const [project, pending] = await Promise.all([getProject(task.projectId), pendingJob(task.id, type)]);
  if (pending) return pending;
  const jobInput = { type, ...input(project) } as JobInputOf<T>;
  return enqueueJob({ taskId: task.id, projectId: project.id, input: jobInput, claim: claimOf(task), requestedBy }, { key: taskJobKey(task, type) });
}

/** A `create_branch` job: `task-{shortId}-{slug}` from the project's default branch (an existing one is reused). */
export async function requestBranch(taskId: string, options: { agentId?: string; actor?: string } = {}): Promise<Job> {
  prepareJobQueue();
  const task = await getTask(taskId);
  assertHolder(task, options.agentId);
  assertState(task, ACTIVE_STATES, 'creating a branch');
  return taskJob(task, 'create_branch', (project) => ({ ...repositoryOf(project), branch: taskBranchName(task), from: project.defaultBranch }), options.actor);
}

/** A `create_pull_request` job: from the task branch to the project's default branch (an open one is reused). */
export async function requestPullRequest(taskId: string, options: PullRequestRequest & { agentId?: string; actor?: string } = {}): Promise<Job> {
  prepareJobQueue();
  const task = await getTask(taskId);
  assertHolder(task, options.agentId);
  assertState(task, ACTIVE_STATES, 'opening a pull request');
  if (!task.branchName) {
    const branchJob = await pendingJob(task.id, 'create_branch');
    throw new ConflictError(
      branchJob
        ? `Task '${task.id}' has no branch yet: branch job '${branchJob.id}' is ${branchJob.status}; wait for it (GET /api/jobs/${branchJob.id})`
        : `Task '${task.id}' has no branch yet: create it first (POST /api/tasks/${task.id}/branch)`,
      { branchJobId: branchJob?.id },
    );
  }
  const head = task.branchName;
  return taskJob(task, 'create_pull_request', (project) => ({
    ...repositoryOf(project),
    head,
    base: project.defaultBranch,
    title: options.title ?? task.title,
    body: closingIssue(task, options.body ?? task.description ?? ''),
  }), options.actor);
}

/** A task that came from a Gitea issue closes it when its pull request is merged: `Closes #N` in the body (docs/issues.md). */
function closingIssue(task: Task, body: string): string {
  if (!task.issue) return body;
  const closes = `Closes #${task.issue.number}`;
  return new RegExp(`\\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\\s+#${task.issue.number}\\b`, 'i').test(body) ? body : `${body.trimEnd()}${body.trim() ? '\n\n' : ''}${closes}`;
}

/**
 * A `merge_pull_request` job for an approved task; after the merge the task moves to `staging`, in an event
 * that names who asked (`actor`).
 */
export async function requestMerge(taskId: string, actor?: string): Promise<Job> {
  prepareJobQueue();
  const task = await getTask(taskId);
  assertState(task, ['approved'], 'merging its pull request');
  if (task.prNumber === undefined) {
    throw new ConflictError(`Task '${task.id}' has no pull request to merge (POST /api/tasks/${task.id}/pull-request opens one)`);
  }
  const prNumber = task.prNumber;
  return taskJob(task, 'merge_pull_request', (project) => ({ ...repositoryOf(project), prNumber }), actor);
}

/** A `create_repository` job for the project's Gitea repository (an existing one is reused). */
export async function requestRepository(projectId: string): Promise<Job> {
  prepareJobQueue();
  const project = await getProject(projectId);
  return enqueueJob({
    projectId: project.id,
    input: { type: 'create_repository', ...repositoryOf(project), defaultBranch: project.defaultBranch, description: project.description ?? '' },
  });
}

/**
 * A `register_webhook` job: the repository's Gitea hook pointed at this server's receiver, found by its URL
 * and updated if it exists (so asking again re-syncs it). CONFLICT when webhooks are not configured here.
 */
export async function requestWebhook(projectId: string): Promise<Job> {
  prepareJobQueue();
  const project = await getProject(projectId);
  const settings = webhookSettings();
  if (!settings.configured) {
    throw new ConflictError(`Webhooks are not configured on this server: set ${settings.missing.join(' and ')}`, { missing: settings.missing });
  }
  // Projects made before the repository index existed get their index item here.
  await transact([projectRepository.indexPut(project)]);
  return enqueueJob({ projectId: project.id, input: { type: 'register_webhook', ...repositoryOf(project), url: settings.receiverUrl! } });
}

/**
 * `POST /api/projects`: the project; with `createRepository: true` a `create_repository` job for it; and,
 * when webhooks are configured, a `register_webhook` job so reviews in Gitea reach its tasks.
 */
export async function createProjectWithRepository(request: ProjectCreateRequest): Promise<Project & { repositoryJobId?: string; webhookJobId?: string }> {
  const { createRepository, ...input } = request;
  const project = await createProject(input);
  const repositoryJobId = createRepository ? (await requestRepository(project.id)).id : undefined;
  const webhookJobId = webhookSettings().configured ? (await requestWebhook(project.id)).id : undefined;
  return { ...project, ...(repositoryJobId ? { repositoryJobId } : {}), ...(webhookJobId ? { webhookJobId } : {}) };
}
