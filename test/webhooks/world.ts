import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime, uniqueName } from '../helpers/runtime.js';
import { eventually, useFastRetries, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { newAgent } from '../mcp/mcp-client.js';

/**
 * The review loop on a laptop: the local runtime with webhooks on (a secret, its own URL as the public
 * one), a Gitea whose hooks point at it, and helpers to bring a task to review the way an agent does.
 */
export interface World {
  runtime: Runtime;
  api: ApiClient;
  gitea: GiteaTarget;
  secret: string;
  /** Repositories the tests made (a real Gitea's are removed at the end). */
  repos: string[];
  /** POSTs a body to the receiver as Gitea would, signed with `secret` unless a signature is given. */
  deliver(eventType: string, payload: unknown, options?: { delivery?: string; signature?: string | null; raw?: string; secret?: string }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

export async function startWorld(gitea: GiteaTarget): Promise<World> {
  useFastRetries();
  const secret = randomBytes(24).toString('hex');
  // A real Gitea must reach the runtime: AIWORKER_TEST_PUBLIC_URL says where, and the runtime listens on its port.
  const publicUrl = gitea.standIn ? undefined : process.env.AIWORKER_TEST_PUBLIC_URL;
  const listen = publicUrl ? { host: '0.0.0.0', port: Number(new URL(publicUrl).port || 80) } : {};
  const runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, webhooks: { secret, publicUrl }, ...listen });
  const api = apiClient(runtime.url, runtime.adminToken);
  const deliver: World['deliver'] = async (eventType, payload, options = {}) => {
    const raw = options.raw ?? JSON.stringify(payload, null, 2);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GiteaServer',
      'x-gitea-delivery': options.delivery ?? randomUUID(),
      'x-gitea-event-type': eventType,
      'x-gitea-event': eventType,
    };
    if (options.signature !== null) headers['x-gitea-signature'] = options.signature ?? sign(options.secret ?? secret, raw);
    const response = await fetch(`${runtime.url}/api/webhooks/gitea`, { method: 'POST', headers, body: raw });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const repos: string[] = [];
  const stop = async () => {
    await runtime.stop();
    for (const repo of repos) await gitea.removeRepo(repo);
  };
  return { runtime, api, gitea, secret, repos, deliver, stop };
}

/** A project whose repository and hook the jobs made in Gitea. */
export async function reviewProject(world: World) {
  const repo = uniqueName('loop');
  world.repos.push(repo);
  const project = ok(await world.api.post('/api/projects', { name: `Loop ${repo}`, giteaOwner: world.gitea.owner, giteaRepo: repo, createRepository: true }), 201);
  for (const jobId of [project.repositoryJobId, project.webhookJobId]) {
    const job = await waitForJob(world.api, jobId);
    if (job.status !== 'succeeded') throw new Error(`${job.type} job failed: ${job.error}`);
  }
  return project;
}

/** An agent that claimed a task of the project over MCP, made its branch, pushed a commit and opened the pull request. */
export async function taskInReview(world: World, project: { id: string; giteaRepo: string }, title = 'Add a login page') {
  ok(await world.api.post('/api/tasks', { projectId: project.id, title }), 201);
  const agent = await newAgent(world.runtime);
  const claimed = await agent.call('get_next_task', { projectId: project.id });
  if (claimed.isError || !claimed.structured.task) throw new Error(`claim failed: ${claimed.text}`);
  const taskId = claimed.structured.task.id as string;
  const branch = await agent.call('create_branch', { taskId, wait: 20 });
  if (branch.isError || branch.structured.job.status !== 'succeeded') throw new Error(`branch failed: ${branch.text}`);
  await world.gitea.commit(project.giteaRepo, branch.structured.job.result.branch);
  const pull = await agent.call('create_pull_request', { taskId, wait: 20 });
  if (pull.isError || pull.structured.job.status !== 'succeeded') throw new Error(`pull request failed: ${pull.text}`);
  const task = ok(await world.api.get(`/api/tasks/${taskId}`));
  if (task.state !== 'ready_to_test') throw new Error(`task is in ${task.state}`);
  return { task, agent, branch: branch.structured.job.result.branch as string };
}

/** Waits until the task satisfies `check` (webhooks arrive after the Gitea call that caused them). */
export function taskWhen(world: World, taskId: string, what: string, check: (task: any) => boolean, timeoutMs = 20_000) {
  return eventually(what, async () => {
    const task = ok(await world.api.get(`/api/tasks/${taskId}`));
    return check(task) ? task : undefined;
  }, timeoutMs);
}

export async function eventsOf(world: World, taskId: string): Promise<any[]> {
  return ok(await world.api.get(`/api/tasks/${taskId}/events?limit=100`));
}

/** A minimal Gitea PullRequestPayload (modules/structs/hook.go) about pull request `number` of owner/repo. */
export function pullPayload(input: { owner: string; repo: string; number: number; action: string; sender: string; poster?: string; merged?: boolean; updatedAt?: string; review?: { type: string; content: string } | null }) {
  const user = (login: string) => ({ id: 1, login, full_name: '', email: `${login}@example.com` });
  return {
    action: input.action,
    number: input.number,
    pull_request: {
      id: input.number,
      number: input.number,
      user: user(input.poster ?? 'aiworker'),
      state: input.action === 'closed' ? 'closed' : 'open',
      merged: input.merged ?? false,
      updated_at: input.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      head: { ref: 'task-branch', sha: 'a'.repeat(40) },
      base: { ref: 'main' },
    },
    requested_reviewer: null,
    repository: { id: 1, name: input.repo, full_name: `${input.owner}/${input.repo}`, owner: user(input.owner) },
    sender: user(input.sender),
    commit_id: '',
    review: input.review ?? null,
  };
}

let commentIds = Math.floor(Math.random() * 1_000_000);

export function commentPayload(input: { owner: string; repo: string; number: number; sender: string; body: string; poster?: string; action?: string }) {
  const user = (login: string) => ({ id: 1, login, full_name: '', email: `${login}@example.com` });
  return {
    action: input.action ?? 'created',
    issue: { id: input.number, number: input.number, user: user(input.poster ?? 'aiworker'), state: 'open', updated_at: new Date().toISOString() },
    // Gitea's comment ids are unique (a replay of one comment carries the same id).
    comment: { id: ++commentIds, body: input.body, user: user(input.sender) },
    repository: { id: 1, name: input.repo, full_name: `${input.owner}/${input.repo}`, owner: user(input.owner) },
    sender: user(input.sender),
    is_pull: true,
  };
}
