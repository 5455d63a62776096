import { GiteaError, createGiteaClient, isGiteaError, type GiteaClient } from '../gitea/index.js';
import type { JobRecord } from '../schemas/job.js';
import { secret } from '../secrets.js';
import { PermanentJobError } from './job-retry.js';

export type JobGitea = GiteaClient;

/** The Gitea client the worker uses: GITEA_URL, the GiteaToken secret (SST `Resource`) and GITEA_TIMEOUT_MS (default 10 s) per call. */
export function giteaFromEnvironment(): JobGitea {
  const baseUrl = process.env.GITEA_URL;
  const token = secret('GiteaToken');
  if (!baseUrl || !token) throw new PermanentJobError('Gitea is not configured: set GITEA_URL and the GiteaToken secret for the worker (GITEA_TOKEN for npm start)');
  const timeoutMs = Number(process.env.GITEA_TIMEOUT_MS ?? 10_000);
  return createGiteaClient({ baseUrl, token, timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 10_000 });
}

function text(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || !value) throw new PermanentJobError(`The job input has no '${name}'`);
  return value;
}

/**
 * The Gitea calls of each job type. Each is idempotent, so a duplicate delivery or a retry after a lost
 * answer finds and reuses what the first attempt made: an existing branch, the open pull request for the
 * same head and base, a pull request already merged, an existing repository.
 */
export async function performJob(job: JobRecord, gitea: JobGitea = giteaFromEnvironment()): Promise<Record<string, unknown>> {
  const { input } = job;
  const owner = text(input, 'owner');
  const repo = text(input, 'repo');
  switch (job.type) {
    case 'create_repository': {
      const created = await gitea.createRepository({
        owner,
        name: repo,
        description: typeof input.description === 'string' ? input.description : undefined,
        defaultBranch: text(input, 'defaultBranch'),
        autoInit: true,
      });
      return { fullName: created.fullName, url: created.htmlUrl, cloneUrl: created.cloneUrl, defaultBranch: created.defaultBranch };
    }
    case 'create_branch': {
      const branch = await gitea.createBranch(owner, repo, { name: text(input, 'branch'), from: text(input, 'from') });
      return { branch: branch.name, commit: branch.commitSha, reused: !branch.created };
    }
    case 'create_pull_request': {
      const pull = await gitea.createPullRequest(owner, repo, {
        head: text(input, 'head'),
        base: text(input, 'base'),
        title: text(input, 'title'),
        body: typeof input.body === 'string' ? input.body : '',
      });
      return { number: pull.number, url: pull.htmlUrl, head: pull.head, base: pull.base, reused: !pull.created };
    }
    case 'merge_pull_request': {
      const number = Number(input.prNumber);
      if (!Number.isInteger(number) || number < 1) throw new PermanentJobError("The job input has no valid 'prNumber'");
      const merged = await gitea.mergePullRequest(owner, repo, number).catch((error: unknown) => {
        // 405 "Please try again later": Gitea is still checking mergeability (or there is a conflict). Retry;
        // a pull request that never becomes mergeable ends in the DLQ with this message.
        if (isGiteaError(error) && error.status === 405 && /try again later/i.test(error.message)) {
          throw new GiteaError(`${error.message} (the pull request is not mergeable yet)`, { operation: error.operation, status: 405, retryable: true, cause: error });
        }
        throw error;
      });
      return { number, merged: merged.merged, alreadyMerged: merged.alreadyMerged };
    }
  }
}
