import {
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { documentClient } from '../../packages/core/src/db/client.js';
import type { Runtime, RuntimeOptions } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { eventually, messagesIn, projectWithRepository, sqsFor, useFastRetries, type GiteaTarget } from '../jobs/helpers.js';

/**
 * The fault suite's shared pieces: a realistic pipeline (agents claiming tasks over MCP, each task's
 * branch and pull-request jobs through SQS and the worker) that keeps going through faults, and the
 * invariant every fault test ends with (assertPipelineInvariants).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A pipeline test takes 5–15 s on an idle 2-core machine; this much room keeps it from failing only
 * because other test files load the machine.
 */
export const PIPELINE_TEST_TIMEOUT_MS = 90_000;

/** Fast retries (1 s, then 2 s; 1 s Gitea deadline) and a short job lease, so a crashed job is taken over quickly. */
export function useFaultSettings(options: { leaseSeconds?: number } = {}) {
  useFastRetries();
  process.env.AIWORKER_JOB_LEASE_SECONDS = String(options.leaseSeconds ?? 4);
}

/** Worker options for the fault runtimes: a returned batch is seen again after 2 s, two pollers. */
export const faultWorker = { visibilityTimeoutSeconds: 2, concurrency: 2, waitTimeSeconds: 1 } as const;

export function startFaultRuntime(gitea: GiteaTarget, options: RuntimeOptions = {}): Promise<Runtime> {
  return startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, sweeper: false, worker: faultWorker, ...options });
}

/** Where the pipeline sends its requests; the restart test points it at the new runtime. */
export interface Target {
  url: string;
  adminToken: string;
}

/** What the pipeline's clients saw on the way (a user's view of the faults). */
export class Observed {
  /** Every HTTP status answered to REST and MCP requests. */
  statuses: number[] = [];
  /** Responses a client had to retry: 503s, tool errors saying to retry. */
  retried: string[] = [];
  /** Requests that got no answer at all (runtime down). */
  unanswered = 0;
  /** Anything a user could not explain: 5xx other than a 503, internal tool errors, unexpected refusals. */
  unexplained: string[] = [];

  serverErrors() {
    return this.statuses.filter((status) => status >= 500 && status !== 503);
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function send(url: string, init: RequestInit): Promise<Answer | undefined> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body };
  } catch {
    return undefined;
  }
}

/** A REST call that, like a careful client, waits out a 503 (Retry-After) or an unreachable runtime, and retries. */
export async function rest(target: Target, observed: Observed, method: string, path: string, body?: unknown, deadlineMs = 60_000): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const answer = await send(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!answer) observed.unanswered++;
    else {
      observed.statuses.push(answer.status);
      if (answer.status < 500) return answer;
      if (answer.status === 503) {
        expect(answer.headers.get('retry-after'), `${method} ${path}: a 503 says when to retry`).toMatch(/^\d+$/);
        expect(answer.body?.error?.message, `${method} ${path}`).toMatch(/retry/i);
        observed.retried.push(`${method} ${path}: 503 ${answer.body.error.message}`);
      } else observed.unexplained.push(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    if (Date.now() > deadline) throw new Error(`${method} ${path} got no usable answer in ${deadlineMs} ms`);
    await sleep(answer?.status === 503 ? Math.min(1000, Number(answer.headers.get('retry-after')) * 1000) : 200);
  }
}

export interface ToolAnswer {
  isError: boolean;
  structured: any;
  text: string;
}

let rpcId = 1;

/** An MCP tool call by an agent (JSON-RPC over the streamable-HTTP endpoint), retried the way an agent would. */
export async function tool(target: Target, observed: Observed, token: string, name: string, args: Record<string, unknown> = {}, deadlineMs = 60_000): Promise<ToolAnswer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const answer = await send(`${target.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method: 'tools/call', params: { name, arguments: args } }),
    });
    let retry = false;
    if (!answer) {
      observed.unanswered++;
      retry = true;
    } else {
      observed.statuses.push(answer.status);
      const result = answer.body?.result;
      if (answer.status === 503) {
        observed.retried.push(`${name}: 503 ${JSON.stringify(answer.body)}`);
        retry = true;
      } else if (answer.status !== 200 || !result) {
        observed.unexplained.push(`${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
        retry = true;
      } else {
        const text = (result.content ?? []).map((part: { text?: string }) => part.text ?? '').join('\n');
        // Throttled, or collided with other writers: nothing was done, and the message says to retry.
        if (result.isError && (/\[SERVICE_UNAVAILABLE\]/.test(text) || /nothing was changed; retry.*\[CONFLICT\]/.test(text))) {
          expect(text).toMatch(/retry/i);
          observed.retried.push(`${name}: ${text}`);
          retry = true;
        } else if (result.isError && /Internal error/i.test(text)) {
          observed.unexplained.push(`${name}: ${text}`);
          retry = true;
        } else return { isError: result.isError === true, structured: result.structuredContent, text };
      }
    }
    if (Date.now() > deadline) throw new Error(`Tool ${name} got no usable answer in ${deadlineMs} ms`);
    if (retry) await sleep(answer?.status === 503 ? 1000 : 200);
  }
}

export interface PipelineAgent {
  id: string;
  token: string;
}

export interface Pipeline {
  project: { id: string; giteaRepo: string; defaultBranch: string };
  taskIds: string[];
  agents: PipelineAgent[];
}

/** A project with its repository in Gitea, `tasks` tasks in its backlog (mixed priorities) and `agents` registered agents. */
export async function preparePipeline(api: ApiClient, gitea: GiteaTarget, options: { tasks: number; agents: number; repository?: boolean }): Promise<Pipeline> {
  const project =
    options.repository === false
      ? ok(await api.post('/api/projects', { name: 'No repository', giteaOwner: gitea.owner, giteaRepo: `missing-${Date.now()}` }), 201)
      : await projectWithRepository(api, gitea);
  const taskIds = await Promise.all(
    Array.from({ length: options.tasks }, async (_, i) =>
      ok(await api.post('/api/tasks', { projectId: project.id, title: `Fault task ${i}`, priority: (i * 37) % 101 }), 201).id as string,
    ),
  );
  const agents: PipelineAgent[] = await Promise.all(
    Array.from({ length: options.agents }, async (_, i) => {
      const agent = ok(await api.post('/api/agents', { name: `fault-agent-${i}`, capabilities: ['typescript'] }), 201);
      return { id: agent.id, token: agent.token };
    }),
  );
  return { project, taskIds, agents };
}

export interface PipelineRecord {
  /** The tasks get_next_task gave each agent. */
  claims: Map<string, Set<string>>;
  /** Every job the agents started, in order. */
  jobIds: string[];
}

/**
 * The agents work the backlog until it is empty, each in its own loop: get_next_task, create_branch (a
 * job: the tool waits up to `wait` seconds for it, then get_job is polled), a commit on the branch,
 * create_pull_request (a job). A job that fails for
 * good is reported to a person (needs_input, with the error in the question) and that agent stops.
 * `onJob` sees each job as it is started (the duplicate-delivery test sends its message again).
 */
export async function runPipeline(
  target: Target,
  observed: Observed,
  gitea: GiteaTarget,
  pipeline: Pipeline,
  options: { onJob?: (jobId: string) => void; deadlineMs?: number; wait?: number } = {},
): Promise<PipelineRecord> {
  const record: PipelineRecord = { claims: new Map(), jobIds: [] };
  const wait = options.wait ?? 10;
  const deadline = Date.now() + (options.deadlineMs ?? 75_000);

  async function runJob(agent: PipelineAgent, name: string, taskId: string): Promise<any> {
    // With `wait` the endpoint follows the job itself (far fewer requests than polling get_job).
    const started = await tool(target, observed, agent.token, name, { taskId, ...(wait ? { wait } : {}) });
    const job = started.structured?.job;
    if (!job) {
      // Refused. The answer to an earlier try was lost (the runtime went away) and its job has finished
      // meanwhile: the task already shows the work, so there is nothing left to ask for.
      const { structured } = await tool(target, observed, agent.token, 'get_task', { taskId });
      const task = structured?.task;
      if (name === 'create_branch' && task?.branchName) return { status: 'succeeded', result: { branch: task.branchName } };
      if (name === 'create_pull_request' && task?.prUrl) return { status: 'succeeded', result: { url: task.prUrl } };
      throw new Error(`${name} refused for task ${taskId}: ${started.text}`);
    }
    if (!record.jobIds.includes(job.id)) {
      record.jobIds.push(job.id);
      options.onJob?.(job.id);
    }
    for (let current = job; ; ) {
      if (current.status === 'succeeded' || current.status === 'failed') return current;
      if (Date.now() > deadline) throw new Error(`Job ${job.id} still ${current.status}: ${JSON.stringify(current)}`);
      await sleep(250);
      const polled = await tool(target, observed, agent.token, 'get_job', { jobId: job.id });
      if (polled.isError) throw new Error(`get_job ${job.id}: ${polled.text}`);
      current = polled.structured.job;
    }
  }

  async function giveUp(agent: PipelineAgent, taskId: string, job: any) {
    const moved = await tool(target, observed, agent.token, 'update_task_status', {
      taskId,
      state: 'needs_input',
      question: `The ${job.type} job failed: ${job.error}. How should I go on?`,
    });
    if (moved.isError) throw new Error(`Could not hand task ${taskId} to a person: ${moved.text}`);
  }

  async function agentLoop(agent: PipelineAgent) {
    const claimed = new Set<string>();
    record.claims.set(agent.id, claimed);
    for (;;) {
      if (Date.now() > deadline) throw new Error(`Agent ${agent.id} still working at the deadline`);
      const next = await tool(target, observed, agent.token, 'get_next_task', { projectId: pipeline.project.id });
      if (next.isError) throw new Error(`get_next_task: ${next.text}`);
      const task = next.structured.task;
      if (!task) return;
      claimed.add(task.id);
      if (task.state === 'needs_input') return;
      const branchJob = await runJob(agent, 'create_branch', task.id);
      if (branchJob.status === 'failed') return giveUp(agent, task.id, branchJob);
      await gitea.commit(pipeline.project.giteaRepo, branchJob.result.branch);
      const prJob = await runJob(agent, 'create_pull_request', task.id);
      if (prJob.status === 'failed') return giveUp(agent, task.id, prJob);
    }
  }

  await Promise.all(pipeline.agents.map(agentLoop));
  return record;
}

export interface InvariantOptions {
  /** Tasks whose job fails for good (e.g. the repository does not exist): the error must show on job and task. */
  permanentFailures?: string[];
  /** The queues that must be empty once the pipeline has drained. */
  queues?: { sqs: SQSClient; queueUrl: string; deadLetterUrl: string };
}

const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

/**
 * The invariant every fault test ends with: no job lost (each ended succeeded, or failed with its error
 * on the job and the task where the fault is permanent; none left queued/running), none done twice (one
 * result event per job, exactly one branch and one pull request per task in Gitea, each made by exactly
 * one create call), no task claimed by two agents, and each task's state matching its jobs.
 */
export async function assertPipelineInvariants(api: ApiClient, gitea: GiteaTarget, pipeline: Pipeline, record: PipelineRecord, observed: Observed, options: InvariantOptions = {}) {
  const { project, taskIds } = pipeline;
  const permanent = new Set(options.permanentFailures ?? []);
  // What a user saw: nothing they could not explain (a 503 says to retry; no 500, no internal error).
  expect(observed.serverErrors(), 'no 5xx other than 503').toEqual([]);
  expect(observed.unexplained, 'answers a user could not explain').toEqual([]);

  // Every task was claimed by exactly one agent, and it is that agent's.
  const claimants = new Map<string, string[]>();
  for (const [agentId, tasks] of record.claims) for (const taskId of tasks) claimants.set(taskId, [...(claimants.get(taskId) ?? []), agentId]);
  for (const taskId of taskIds) expect(claimants.get(taskId), `task ${taskId} was given to exactly one agent`).toHaveLength(1);

  const seenJobs = new Set<string>();
  const branchesMade: string[] = [];
  const checkTask = async (taskId: string) => {
    const task = ok(await api.get(`/api/tasks/${taskId}`));
    const jobs: any[] = ok(await api.get(`/api/tasks/${taskId}/jobs?limit=100`));
    const events: any[] = ok(await api.get(`/api/tasks/${taskId}/events?limit=100`));
    const label = `task ${taskId} (${task.state}): jobs ${JSON.stringify(jobs.map((job) => [job.type, job.status, job.attempts, job.error]))}`;
    for (const job of jobs) seenJobs.add(job.id);

    // Claimed once, by the agent it is assigned to.
    const claims = events.filter((event) => event.type === 'claimed');
    expect(claims, label).toHaveLength(1);
    expect(claims[0].agentId, label).toBe(claimants.get(taskId)![0]);
    expect(task.assignedAgentId, label).toBe(claimants.get(taskId)![0]);

    // No job lost or stuck: every one finished.
    for (const job of jobs) expect(['succeeded', 'failed'], `${label}: job ${job.id}`).toContain(job.status);
    const succeeded = (type: string) => jobs.filter((job) => job.type === type && job.status === 'succeeded');
    const failed = jobs.filter((job) => job.status === 'failed');
    // None done twice: one result event per finished job, in the same transaction as the job.
    expect(events.filter((event) => event.type === 'branch_created'), label).toHaveLength(succeeded('create_branch').length);
    expect(events.filter((event) => event.type === 'pull_request_opened'), label).toHaveLength(succeeded('create_pull_request').length);
    expect(events.filter((event) => event.type === 'job_failed'), label).toHaveLength(failed.length);

    if (permanent.has(taskId)) {
      // Failed for good: the job says why, the task shows it, and a person was asked.
      expect(failed.length, label).toBeGreaterThan(0);
      for (const job of failed) {
        expect(job.error, label).toEqual(expect.any(String));
        expect(task.lastError, label).toContain(job.error);
      }
      expect(task.state, label).toBe('needs_input');
      expect(task.question, label).toContain(failed.at(-1).error);
      expect(task.branchName, label).toBeUndefined();
      return;
    }
    expect(failed, label).toEqual([]);
    const branchJobs = succeeded('create_branch');
    const prJobs = succeeded('create_pull_request');
    expect(branchJobs.length, label).toBeGreaterThanOrEqual(1);
    expect(prJobs, label).toHaveLength(1);
    // The task matches its jobs.
    expect(task, label).toMatchObject({
      state: 'ready_to_test',
      branchName: branchJobs[0].result.branch,
      prNumber: prJobs[0].result.number,
      prUrl: prJobs[0].result.url,
    });
    expect(task.lastError, label).toBeUndefined();
    for (const job of branchJobs) expect(job.result.branch, label).toBe(task.branchName);
    branchesMade.push(task.branchName);

    // Its agent is free again.
    expect(ok(await api.get(`/api/agents/${task.assignedAgentId}`)).currentTaskId, label).toBeUndefined();
  };
  await Promise.all(taskIds.map(checkTask));
  // Every job an agent started belongs to one of the tasks and was seen finished above.
  for (const jobId of record.jobIds) expect(seenJobs.has(jobId), `job ${jobId} is on its task`).toBe(true);

  // Gitea: exactly one branch and one pull request per task, each made by exactly one successful create.
  const good = taskIds.filter((taskId) => !permanent.has(taskId));
  if (good.length > 0) {
    const branches = (await gitea.branches(project.giteaRepo)).filter((name) => name !== project.defaultBranch);
    expect(branches.sort()).toEqual([...branchesMade].sort());
    const pulls = await gitea.pulls(project.giteaRepo);
    expect(pulls).toHaveLength(good.length);
    expect([...countBy(pulls, (pull) => pull.head).values()].every((count) => count === 1)).toBe(true);
    expect(new Set(pulls.map((pull) => pull.head))).toEqual(new Set(branchesMade));
    if (gitea.standIn) {
      const created = (operationId: string, suffix: string) =>
        gitea.standIn!.requests.filter(
          (request) => request.operationId === operationId && request.status === 201 && request.path.endsWith(`/repos/${gitea.owner}/${project.giteaRepo}/${suffix}`),
        ).length;
      expect(created('repoCreateBranch', 'branches'), 'branches created in Gitea').toBe(good.length);
      expect(created('repoCreatePullRequest', 'pulls'), 'pull requests created in Gitea').toBe(good.length);
      gitea.standIn.assertNoViolations();
    }
  }

  // Nothing left behind: no job queued or running, and (once duplicates are acknowledged) empty queues.
  if (options.queues) {
    const { sqs, queueUrl, deadLetterUrl } = options.queues;
    await eventually('the job queue to drain', async () => (await messagesIn(sqs, queueUrl)) === 0, 20_000);
    expect(await messagesIn(sqs, deadLetterUrl), 'messages in the dead-letter queue').toBe(0);
  }
  await Promise.all(
    taskIds.map(async (taskId) => {
      const jobs: any[] = ok(await api.get(`/api/tasks/${taskId}/jobs?limit=100`));
      expect(jobs.filter((job) => job.status !== 'succeeded' && job.status !== 'failed'), `task ${taskId}: unfinished jobs after draining`).toEqual([]);
    }),
  );
}

export const queuesOf = (runtime: Runtime) => ({ sqs: sqsFor(runtime), queueUrl: runtime.queueUrl, deadLetterUrl: runtime.deadLetterUrl });
export const adminApi = (runtime: Runtime) => apiClient(runtime.url, runtime.adminToken);

/** Records every error the shared DynamoDB client's commands end with (after the SDK's own retries). */
export function watchDynamoErrors() {
  const seen: unknown[] = [];
  const name = `fault-error-watch-${Math.random().toString(36).slice(2)}`;
  documentClient().middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        seen.push(error);
        throw error;
      }
    },
    { step: 'initialize', name },
  );
  return { seen, stop: () => void documentClient().middlewareStack.remove(name) };
}

/** The name a command has on the shared client's middleware stack (the document client wraps the low-level one). */
const WRITE_TRANSACTION = new Set(['TransactWriteCommand', 'TransactWriteItemsCommand']);
export const isTransactionWrite = (command: string) => WRITE_TRANSACTION.has(command);

/** What DynamoDB answers when another transaction holds one of the items: every item gets a reason, the busy one TransactionConflict. */
export function transactionConflict(itemCount: number, code: 'TransactionConflict' | 'ThrottlingError' = 'TransactionConflict') {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${[code, ...Array(Math.max(0, itemCount - 1)).fill('None')].join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: code, Message: code === 'TransactionConflict' ? 'Transaction is ongoing for the item' : 'Throughput exceeds the current capacity' }, ...Array.from({ length: Math.max(0, itemCount - 1) }, () => ({ Code: 'None' }))],
  });
}

export type ThrottleName = 'ProvisionedThroughputExceededException' | 'ThrottlingException' | 'RequestLimitExceeded';

/** A throttling error as DynamoDB sends it (HTTP 400 with the error's name), which the SDK classifies and retries. */
export function throttlingError(name: ThrottleName = 'ProvisionedThroughputExceededException') {
  const options = { message: 'The level of configured provisioned throughput for the table was exceeded (injected by the fault suite)', $metadata: { httpStatusCode: 400 } };
  if (name === 'ThrottlingException') return new ThrottlingException(options);
  if (name === 'RequestLimitExceeded') return new RequestLimitExceeded(options);
  return new ProvisionedThroughputExceededException(options);
}

/**
 * Makes the shared DynamoDB client fail calls the way DynamoDB does, through its SDK middleware stack.
 * `plan` decides per call (command name and input) whether it fails and with what. At the `deserialize`
 * step (default) the failure happens inside the SDK's retry loop, so the SDK retries throttling itself
 * (AIWORKER_DYNAMODB_MAX_ATTEMPTS); at `initialize` it reaches the caller at once. A failed call is never
 * sent: nothing is written.
 */
export function injectDynamoFaults(plan: (command: string, input: any) => Error | undefined, options: { step?: 'initialize' | 'deserialize' } = {}) {
  const name = `fault-injector-${Math.random().toString(36).slice(2)}`;
  const injected: string[] = [];
  let calls = 0;
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      calls++;
      const command = context.commandName ?? '';
      const error = plan(command, args.input);
      if (error) {
        injected.push(`${command}: ${error.name}`);
        throw error;
      }
      return next(args);
    },
    // The same function works at either step; the cast only picks one of add()'s per-step overloads.
    { step: (options.step ?? 'deserialize') as 'initialize', name },
  );
  return {
    injected,
    get calls() {
      return calls;
    },
    stop: () => void documentClient().middlewareStack.remove(name),
  };
}
