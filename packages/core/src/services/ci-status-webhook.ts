import { projectRepository } from '../db/project-repository.js';
import { CommitStatusPayloadSchema } from '../schemas/ci.js';
import type { WebhookReceipt } from '../schemas/gitea-webhook.js';
import { logger } from '../telemetry.js';
import { maybeAutoMerge } from './auto-merge.js';
import { applyStatuses, undecided } from './ci-checks.js';
import { requestCheckSync, watchedTasks } from './ci-sync.js';

/**
 * A `status` delivery (Gitea's CommitStatusPayload; Gitea sends it from 1.23 on). It goes to the task
 * whose known pull request head is that commit; a commit aiworker does not know as a head (new commits it
 * has not looked at yet, or an old head) changes no task directly: it asks for a sync_checks job, which
 * reads the pull requests' heads from Gitea. A replay, or an older status arriving late, writes nothing.
 */
export async function receiveStatus(delivery: string, parse: <T>(schema: import('zod/mini').ZodMiniType<T>) => T): Promise<WebhookReceipt> {
  const payload = parse(CommitStatusPayloadSchema);
  const receipt = (outcome: WebhookReceipt['outcome'], message: string, extra: Partial<WebhookReceipt> = {}): WebhookReceipt => ({ delivery, event: 'status', outcome, message, ...extra });
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const projectIds = await projectRepository.idsByRepository(owner, repo);
  if (projectIds.length === 0) return receipt('ignored', `No aiworker project uses ${owner}/${repo}`);
  const sha = payload.sha.toLowerCase();
  const status = {
    context: payload.context || 'default',
    state: payload.state,
    description: payload.description ?? '',
    targetUrl: payload.target_url ?? '',
    id: payload.id,
    updatedAt: payload.updated_at ?? payload.created_at ?? '',
    source: 'webhook' as const,
  };
  const unknownHead: string[] = [];
  for (const projectId of projectIds) {
    const tasks = await watchedTasks(projectId);
    const task = tasks.find((candidate) => candidate.checks?.sha === sha);
    if (!task) {
      if (tasks.some((candidate) => candidate.state !== 'staging')) unknownHead.push(projectId);
      continue;
    }
    const applied = await applyStatuses(task.id, { sha, statuses: [status], isHead: false });
    await maybeAutoMerge(task.id).catch((error: unknown) => logger.warn('Auto-merge not asked for', { taskId: task.id, error: (error as Error).message }));
    const after = applied.task ?? task;
    if (!applied.changed && undecided(after.checks, sha, status)) {
      // Posted in the same second as the status a sync job read, and saying something else: Gitea's combined status decides.
      const job = await requestCheckSync(projectId, 'gitea:status');
      // Nothing changed by this delivery (a late older one lands here too): `duplicate`, and the job settles it.
      return receipt('duplicate', `${status.context} ${status.state} on ${sha.slice(0, 12)} changed nothing: it came in the same second as the ${after.checks?.contexts.find((c) => c.context === status.context)?.state} read from Gitea, so sync_checks job ${job} reads which is newer`, { taskId: after.id, state: after.state });
    }
    return applied.changed
      ? receipt('applied', `${status.context} ${status.state} on ${sha.slice(0, 12)}: CI is ${after.checks?.state ?? 'unknown'}`, { taskId: after.id, state: after.state })
      : receipt('duplicate', `${status.context} ${status.state} on ${sha.slice(0, 12)} was taken in before (or a newer status of ${status.context} was): nothing changed`, { taskId: after.id, state: after.state });
  }
  if (unknownHead.length === 0) return receipt('ignored', `No task of ${owner}/${repo} in review has the head ${sha.slice(0, 12)}`);
  const jobs = await Promise.all(unknownHead.map((projectId) => requestCheckSync(projectId, 'gitea:status')));
  return receipt('applied', `${sha.slice(0, 12)} is no known pull request head: sync_checks job ${jobs.filter(Boolean).join(', ')} reads the heads from Gitea`);
}
