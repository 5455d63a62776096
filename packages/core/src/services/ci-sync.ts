import { config } from '../config.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { GiteaClient } from '@aiworker/gitea-client';
import type { JobInputOf, JobRecord } from '../schemas/job.js';
import type { Task } from '../schemas/task.js';
import { logger } from '../telemetry.js';
import { applyStatuses } from './ci-checks.js';
import { maybeAutoMerge } from './auto-merge.js';
import { enqueueJob } from './job-producer.js';
import { watchPreviewLeak } from './previews.js';
import { clockDate } from '../clock.js';

/**
 * The `sync_checks` job (docs/ci.md): for each task of a project in review (or merged, while its preview
 * is watched) it asks Gitea for the pull request's head and that head's combined status, and takes them
 * in (ci-checks.ts) — the path that works without the `status` webhook (Gitea 1.22 has none). The sweeper
 * asks for one per project with such tasks on every run; a `status` delivery for a head aiworker does not
 * know yet asks for one too.
 */
const WATCHED: readonly Task['state'][] = ['ready_to_test', 'approved', 'staging'];
const PAGE = 100;

async function tasksIn(state: Task['state'], projectId?: string): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await taskRepository.list({ state, limit: PAGE, cursor, ...(projectId ? { projectId } : {}) }, { text: false });
    tasks.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return tasks;
}

const watched = (task: Task) => task.prNumber !== undefined && (task.state !== 'staging' || (task.preview && !task.preview.leakReportedAt && task.preview.state !== 'removed'));

/** Tasks of the project whose pull request's statuses aiworker follows. */
export async function watchedTasks(projectId?: string): Promise<Task[]> {
  return (await Promise.all(WATCHED.map((state) => tasksIn(state, projectId)))).flat().filter(watched);
}

/** How often the sweeper asks for a project's sync at most (AIWORKER_CHECK_SYNC_SECONDS, default 60): one job per project per period. */
export const checkSyncSeconds = () => config().checkSyncSeconds;

export async function requestCheckSync(projectId: string, requestedBy = 'system', key?: string): Promise<string | undefined> {
  const project = await projectRepository.get(projectId);
  if (!project) return undefined;
  const job = await enqueueJob({ projectId, input: { type: 'sync_checks', owner: project.giteaOwner, repo: project.giteaRepo }, requestedBy }, { key });
  return job.id;
}

/** From the sweeper: one sync_checks job per project with watched tasks, once per period whatever the sweeper's pace. */
export async function scheduleCheckSyncs(at: Date = clockDate()): Promise<number> {
  const projects = new Set((await watchedTasks()).map((task) => task.projectId));
  const period = Math.floor(at.getTime() / (checkSyncSeconds() * 1000));
  for (const projectId of projects) await requestCheckSync(projectId, 'system', `sync_checks/${projectId}/${period}`);
  return projects.size;
}

export async function syncChecks(job: JobRecord, input: JobInputOf<'sync_checks'>, gitea: GiteaClient): Promise<Record<string, unknown>> {
  const tasks = await watchedTasks(job.projectId);
  let changed = 0;
  let leaks = 0;
  for (const task of tasks) {
    const pull = await gitea.getPullRequest(input.owner, input.repo, task.prNumber!);
    if (!pull.headSha) continue;
    const status = await gitea.getCombinedStatus(input.owner, input.repo, pull.headSha);
    const statuses = status.statuses.map((s) => ({ ...s, source: 'api' as const }));
    const applied = await applyStatuses(task.id, { sha: pull.headSha, statuses, isHead: true });
    if (applied.changed) changed++;
    if (pull.merged || pull.state === 'closed' || task.state === 'staging') {
      if ((await watchPreviewLeak(task.id)) === 'reported') leaks++;
    } else {
      await maybeAutoMerge(task.id).catch((error: unknown) => logger.warn('Auto-merge not asked for', { taskId: task.id, error: (error as Error).message }));
    }
  }
  return { tasks: tasks.length, changed, leaksReported: leaks };
}
