import { config } from '../config.js';
import { isGiteaNotFound, isMergeNotReady, retryableAgain } from '@aiworker/gitea-client/errors';
import type { GiteaCall, GiteaClient } from '@aiworker/gitea-client';
import { logger, MetricUnit, recordMetric } from '../telemetry.js';
import { JobInputSchema, type JobInput, type JobRecord } from '../schemas/job.js';
import { secret } from '../secrets.js';
import { PermanentJobError } from './job-retry.js';
import { deliverNotification } from './notification-delivery.js';
import { syncIssueComment } from './issue-progress.js';
import { httpUrl } from '../web-url.js';
import { syncChecks } from './ci-sync.js';

export type JobGitea = GiteaClient;

/**
 * What the repository hook subscribes to: `pull_request` turns on every pull request event (reviews, comments, new
 * commits); `issues` every issue event (opened, edited, closed, labels) and `issue_comment` comments on issues; `status` commit statuses (CI, previews).
 */
export const WEBHOOK_EVENTS = ['pull_request', 'pull_request_sync', 'pull_request_review', 'pull_request_comment', 'issues', 'issue_comment', 'status'] as const;

/** Every Gitea call: its latency as a metric, and a log line (with the correlation id of the job it is for). */
function observeGiteaCall({ operation, ms, status }: GiteaCall): void {
  recordMetric('GiteaLatency', ms, MetricUnit.Milliseconds, { operation });
  logger.info('Gitea call', { operation, status, ms });
}

/**
 * The Gitea client the worker uses: GITEA_URL, the GiteaToken secret (SST `Resource`) and GITEA_TIMEOUT_MS
 * (default 10 s) per call. Loaded on first use: with SST's code splitting (stacks/lambda.ts) a worker whose
 * messages need no Gitea call never loads gitea-js (64 KiB, about 6 ms of a cold start).
 */
export async function giteaFromEnvironment(): Promise<JobGitea> {
  const { url: baseUrl, timeoutMs } = config().gitea;
  const token = secret('GiteaToken');
  if (!baseUrl || !token) throw new PermanentJobError('Gitea is not configured: set GITEA_URL and the GiteaToken secret for the worker (GITEA_TOKEN for npm start)');
  const { createGiteaClient } = await import('@aiworker/gitea-client/client');
  return createGiteaClient({ baseUrl, token, timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 10_000, observe: observeGiteaCall });
}

/** The job's input, checked against its type's schema (a job recorded before `input.type` existed gets it from the job). */
export function jobInput(job: JobRecord): JobInput {
  const parsed = JobInputSchema.safeParse({ ...job.input, type: job.type });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    throw new PermanentJobError(`The job input is not valid for ${job.type}: ${problems}`);
  }
  return parsed.data;
}

/**
 * The Gitea calls of each job type. Each is idempotent, so a duplicate delivery or a retry after a lost
 * answer finds and reuses what the first attempt made: an existing branch, the open pull request for the
 * same head and base, a pull request already merged, an existing repository.
 */
export async function performJob(job: JobRecord, gitea?: JobGitea): Promise<Record<string, unknown>> {
  const input = jobInput(job);
  // Notifications go to the project's own URL, not to Gitea.
  if (input.type === 'send_notification') return deliverNotification(job, input);
  if (input.type === 'update_issue_comment') return syncIssueComment(input, gitea ?? (await giteaFromEnvironment()));
  if (input.type === 'sync_checks') return syncChecks(job, input, gitea ?? (await giteaFromEnvironment()));
  return performGiteaJob(input, gitea ?? (await giteaFromEnvironment()));
}

async function performGiteaJob(input: Exclude<JobInput, { type: 'send_notification' | 'update_issue_comment' | 'sync_checks' }>, gitea: JobGitea): Promise<Record<string, unknown>> {
  const { owner, repo } = input;
  switch (input.type) {
    case 'create_repository': {
      const created = await gitea.createRepository({
        owner,
        name: repo,
        description: input.description,
        defaultBranch: input.defaultBranch,
        autoInit: true,
      });
      return { fullName: created.fullName, url: created.htmlUrl, cloneUrl: created.cloneUrl, defaultBranch: created.defaultBranch };
    }
    case 'create_branch': {
      const branch = await gitea.createBranch(owner, repo, { name: input.branch, from: input.from });
      return { branch: branch.name, commit: branch.commitSha, reused: !branch.created };
    }
    case 'create_pull_request': {
      const pull = await gitea.createPullRequest(owner, repo, {
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body ?? '',
      });
      return { number: pull.number, url: httpUrl(pull.htmlUrl), head: pull.head, base: pull.base, reused: !pull.created };
    }
    case 'register_webhook': {
      const webhookSecret = secret('WebhookSecret');
      if (!webhookSecret) throw new PermanentJobError('The WebhookSecret secret is not set for the worker (AIWORKER_WEBHOOK_SECRET for npm start): it is the secret Gitea signs webhooks with');
      const { url } = input;
      const hook = await gitea.ensureWebhook(owner, repo, { url, secret: webhookSecret, events: [...WEBHOOK_EVENTS] }).catch((error: unknown) => {
        // The repository may still be on its way (a create_repository job queued beside this one): try again.
        if (isGiteaNotFound(error)) throw retryableAgain(error, `the repository ${owner}/${repo} does not exist yet`);
        throw error;
      });
      return { hookId: hook.id, url, created: hook.created, giteaLogin: await gitea.getCurrentLogin() };
    }
    case 'merge_pull_request': {
      const number = input.prNumber;
      const merged = await gitea.mergePullRequest(owner, repo, number).catch((error: unknown) => {
        // Gitea is still checking mergeability (or there is a conflict). Retry; a pull request that never
        // becomes mergeable ends in the DLQ with this message.
        if (isMergeNotReady(error)) throw retryableAgain(error, 'the pull request is not mergeable yet');
        throw error;
      });
      return { number, merged: merged.merged, alreadyMerged: merged.alreadyMerged };
    }
  }
}
