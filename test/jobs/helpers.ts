import { GetQueueAttributesCommand, SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startGiteaStandIn, type GiteaStandIn } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { startWorkerPoller, type WorkerPoller, type WorkerPollerOptions } from '../../packages/local/src/worker-poller.js';
import { ok, type ApiClient } from '../helpers/http.js';
import { uniqueName } from '../helpers/runtime.js';

/** Fast retries for the tests: 1 s, then 2 s, and a 1 s deadline on every Gitea call against the stand-in. */
export function useFastRetries(timeoutMs = 1000) {
  process.env.AIWORKER_RETRY_BASE_SECONDS = '1';
  process.env.AIWORKER_RETRY_MAX_SECONDS = '2';
  process.env.GITEA_TIMEOUT_MS = String(timeoutMs);
}

export interface PullSummary {
  number: number;
  head: string;
  base: string;
  state: string;
  merged: boolean;
}

/** The Gitea a job suite runs against: the stand-in, or a real Gitea from GITEA_URL / GITEA_TOKEN. */
export interface GiteaTarget {
  name: string;
  url: string;
  token: string;
  /** Where the tests create repositories: the token's own user. */
  owner: string;
  standIn?: GiteaStandIn;
  branches(repo: string): Promise<string[]>;
  pulls(repo: string): Promise<PullSummary[]>;
  /** Puts a commit on a branch, so a pull request from it has changes. */
  commit(repo: string, branch: string): Promise<void>;
  /** Removes what a test made (real Gitea only). */
  removeRepo(repo: string): Promise<void>;
  close(): Promise<void>;
}

async function giteaCall<T = any>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1${path}`, {
    method,
    headers: { authorization: `token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Gitea ${method} ${path}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function standInTarget(): Promise<GiteaTarget> {
  const standIn = await startGiteaStandIn();
  const owner = [...standIn.state.users.values()][0].login;
  const repoOf = (repo: string) => {
    const found = standIn.state.repo(owner, repo);
    if (!found) throw new Error(`No repository ${owner}/${repo} in the stand-in`);
    return found;
  };
  return {
    name: 'Gitea stand-in',
    url: standIn.url,
    token: standIn.token,
    owner,
    standIn,
    branches: async (repo) => [...repoOf(repo).branches.keys()],
    pulls: async (repo) =>
      [...repoOf(repo).pulls.values()].map((pull) => ({ number: pull.number, head: pull.head, base: pull.base, state: pull.state, merged: pull.merged })),
    commit: async (repo, branch) => void standIn.state.pushCommit(owner, repo, branch, `work on ${branch}`),
    removeRepo: async () => undefined,
    close: () => standIn.close(),
  };
}

export async function realGiteaTarget(url: string, token: string): Promise<GiteaTarget> {
  const call = <T = any>(method: string, path: string, body?: unknown) => giteaCall<T>(url, token, method, path, body);
  const owner = (await call<{ login: string }>('GET', '/user')).login;
  const listAll = async <T>(path: string): Promise<T[]> => {
    const all: T[] = [];
    for (let page = 1; ; page++) {
      const items = await call<T[]>('GET', `${path}${path.includes('?') ? '&' : '?'}page=${page}&limit=50`);
      all.push(...items);
      if (items.length === 0 || items.length < 50) return all;
    }
  };
  return {
    name: `real Gitea at ${url}`,
    url,
    token,
    owner,
    branches: async (repo) => (await listAll<{ name: string }>(`/repos/${owner}/${repo}/branches`)).map((branch) => branch.name),
    pulls: async (repo) =>
      (await listAll<any>(`/repos/${owner}/${repo}/pulls?state=all`)).map((pull) => ({
        number: pull.number,
        head: pull.head.ref,
        base: pull.base.ref,
        state: pull.state,
        merged: pull.merged,
      })),
    commit: async (repo, branch) =>
      void (await call('POST', `/repos/${owner}/${repo}/contents/${encodeURIComponent(`aiworker-${branch}.md`)}`, {
        branch,
        message: `work on ${branch}`,
        content: Buffer.from(`Work on ${branch}\n`).toString('base64'),
      })),
    removeRepo: async (repo) => void (await call('DELETE', `/repos/${owner}/${repo}`).catch(() => undefined)),
    close: async () => undefined,
  };
}

const FINISHED = new Set(['succeeded', 'failed']);

/** Polls GET /api/jobs/{id} until the job has succeeded or failed. */
export async function waitForJob(api: ApiClient, jobId: string, timeoutMs = 45_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = ok(await api.get(`/api/jobs/${jobId}`));
    if (FINISHED.has(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`Job ${jobId} did not finish in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `check` returns something truthy. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A project whose repository the create_repository job made in Gitea. */
export async function projectWithRepository(api: ApiClient, gitea: GiteaTarget) {
  const repo = uniqueName('repo');
  const project = ok(await api.post('/api/projects', { name: `Project ${repo}`, giteaOwner: gitea.owner, giteaRepo: repo, createRepository: true }), 201);
  const job = await waitForJob(api, project.repositoryJobId);
  if (job.status !== 'succeeded') throw new Error(`Repository job failed: ${job.error}`);
  return project;
}

/** A task an agent is working on (in_progress). */
export async function taskInProgress(api: ApiClient, projectId: string, title = 'Add a login page') {
  const task = ok(await api.post('/api/tasks', { projectId, title }), 201);
  return ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
}

export const sqsFor = (runtime: Runtime) => new SQSClient({ endpoint: runtime.sqsEndpoint, region: process.env.AWS_REGION ?? 'us-east-1' });

export async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const attributes = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    )
  ).Attributes!;
  return Number(attributes.ApproximateNumberOfMessages) + Number(attributes.ApproximateNumberOfMessagesNotVisible);
}

/** Sends each job's message `copies` more times, straight to the queue: what an at-least-once queue may do. */
export async function sendDuplicates(sqs: SQSClient, queueUrl: string, jobIds: string[], copies: number) {
  const bodies = jobIds.flatMap((jobId) => Array.from({ length: copies }, () => JSON.stringify({ jobId })));
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body })) }),
    );
  }
}

/** A worker poller on the runtime's queue, beside (or instead of) the runtime's own. */
export const pollerFor = (runtime: Runtime, options: Partial<WorkerPollerOptions> = {}): Promise<WorkerPoller> =>
  startWorkerPoller({ sqsEndpoint: runtime.sqsEndpoint, queueUrl: runtime.queueUrl, ...options });
