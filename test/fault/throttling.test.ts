import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetDocumentClient } from '../../packages/core/src/db/client.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { ok } from '../helpers/http.js';
import { projectWithRepository, standInTarget, taskInProgress, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import {
  Observed,
  adminApi,
  assertPipelineInvariants,
  injectDynamoFaults,
  isTransactionWrite,
  preparePipeline,
  queuesOf,
  runPipeline,
  startFaultRuntime,
  throttlingError,
  tool,
  transactionConflict,
  useFaultSettings,
  type ThrottleName,
  PIPELINE_TEST_TIMEOUT_MS,
} from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  useFaultSettings();
  // The SDK retries throttling itself: two attempts here (one retry, at most ~1 s of backoff) keeps it fast.
  process.env.AIWORKER_DYNAMODB_MAX_ATTEMPTS = '2';
  resetDocumentClient();
  gitea = await standInTarget();
  runtime = await startFaultRuntime(gitea);
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(async () => {
  await runtime?.stop();
  await gitea?.close();
});

const inject = (...args: Parameters<typeof injectDynamoFaults>) => {
  const faults = injectDynamoFaults(...args);
  cleanups.push(faults.stop);
  return faults;
};

/** A write to a task item: a transaction, or a claim's single-item UpdateItem. */
const isTaskWrite = (command: string, input: any) =>
  isTransactionWrite(command) ||
  (/^Update(Item)?Command$/.test(command) && String(input?.Key?.pk?.S ?? input?.Key?.pk).startsWith('TASK#'));

const THROTTLES: Array<ThrottleName | 'TransactionCanceledException'> = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TransactionCanceledException'];

describe('DynamoDB throttling that outlasts the SDK’s retries', () => {
  it('answers REST requests with 503, Retry-After and a message to retry — whatever DynamoDB calls it — never a 500', async () => {
    const api = adminApi(runtime);
    const project = ok(await api.post('/api/projects', { name: 'Throttled', giteaOwner: gitea.owner, giteaRepo: 'throttled' }), 201);
    for (const kind of THROTTLES) {
      // Every transaction throttled: a task cannot be created.
      const faults = inject(
        (command, input) => (isTransactionWrite(command) ? (kind === 'TransactionCanceledException' ? transactionConflict(input.TransactItems.length, 'ThrottlingError') : throttlingError(kind)) : undefined),
        { step: 'initialize' },
      );
      const response = await api.post('/api/tasks', { projectId: project.id, title: `Under ${kind}` });
      faults.stop();
      expect(response.status, `${kind}: ${JSON.stringify(response.body)}`).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.body).toMatchObject({ success: false, error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/retry/) } });
      expect(faults.injected.length).toBeGreaterThan(0);
    }
    // Nothing half-written: none of those tasks exists.
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}`))).toEqual([]);
  });

  it('creates each task fully, with its event, or not at all, when half of the writes are throttled', async () => {
    const api = adminApi(runtime);
    const project = ok(await api.post('/api/projects', { name: 'Half throttled', giteaOwner: gitea.owner, giteaRepo: 'half' }), 201);
    let writes = 0;
    const faults = inject(
      (command, input) => {
        if (!isTransactionWrite(command)) return undefined;
        writes++;
        if (writes % 2 === 0) return undefined;
        return writes % 4 === 1 ? throttlingError('ProvisionedThroughputExceededException') : transactionConflict(input.TransactItems.length, 'ThrottlingError');
      },
      { step: 'initialize' },
    );
    const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => api.post('/api/tasks', { projectId: project.id, title: `Maybe ${i}` })));
    faults.stop();
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 503), JSON.stringify(statuses)).toBe(true);
    expect(statuses).toContain(201);
    expect(statuses).toContain(503);
    const created = responses.filter((response) => response.status === 201).map((response) => response.body.data.id).sort();
    const stored = ok<any[]>(await api.get(`/api/tasks?projectId=${project.id}&limit=100`));
    expect(stored.map((task) => task.id).sort()).toEqual(created);
    for (const id of created) expect(ok<any[]>(await api.get(`/api/tasks/${id}/events`)).map((event) => event.type)).toEqual(['created']);
  });

  it('tells an agent over MCP to retry, without giving it a task, and its retry then gets one', async () => {
    const api = adminApi(runtime);
    const project = ok(await api.post('/api/projects', { name: 'Agents throttled', giteaOwner: gitea.owner, giteaRepo: 'agents' }), 201);
    const task = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Wanted' }), 201);
    const agent = ok(await api.post('/api/agents', { name: 'patient' }), 201);
    const target = { url: runtime.url, adminToken: runtime.adminToken };
    // The claim's task write is throttled; the agent's token check (and the claim's agent write) still go through.
    const faults = inject((command, input) => (isTaskWrite(command, input) ? throttlingError('ThrottlingException') : undefined), { step: 'initialize' });
    const answer = await fetch(`${runtime.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_next_task', arguments: { projectId: project.id } } }),
    });
    expect(answer.status).toBe(200);
    const { result } = await answer.json();
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toMatch(/busy.*retry.*\[SERVICE_UNAVAILABLE\]/);
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'backlog', version: 1 });
    expect(ok(await api.get(`/api/agents/${agent.id}`)).currentTaskId).toBeUndefined();

    // Even the token check throttled: the endpoint itself answers 503 with Retry-After.
    faults.stop();
    const everything = inject(() => throttlingError('ProvisionedThroughputExceededException'), { step: 'initialize' });
    const refused = await fetch(`${runtime.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_next_task', arguments: {} } }),
    });
    everything.stop();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error.message).toMatch(/retry/);

    const retried = await tool(target, new Observed(), agent.token, 'get_next_task', { projectId: project.id });
    expect(retried.structured.task).toMatchObject({ id: task.id, state: 'in_progress', assignedAgentId: agent.id });
  });
});

describe('DynamoDB throttling the worker', () => {
  it('does not lose a job whose result could not be recorded: Gitea’s work is found again and recorded once', async () => {
    const api = adminApi(runtime);
    const project = await projectWithRepository(api, gitea);
    const task = await taskInProgress(api, project.id, 'Recorded at last');
    // The first write of a finished job (job + task + event, one transaction) is throttled past the retries.
    let refused = 0;
    inject((command, input) => {
      const text = JSON.stringify(input);
      if (refused === 0 && isTransactionWrite(command) && text.includes('JOB#') && text.includes('"succeeded"')) {
        refused++;
        return throttlingError('ProvisionedThroughputExceededException');
      }
      return undefined;
    }, { step: 'initialize' });
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    const done = await waitForJob(api, job.id, 20_000);
    expect(refused).toBe(1);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { reused: true } });
    expect(ok(await api.get(`/api/tasks/${task.id}`)).branchName).toBe(done.result.branch);
    const events = ok<any[]>(await api.get(`/api/tasks/${task.id}/events`));
    expect(events.filter((event) => event.type === 'branch_created')).toHaveLength(1);
    const posts = gitea.standIn!.requests.filter((request) => request.operationId === 'repoCreateBranch' && request.path.includes(`/${project.giteaRepo}/`));
    // Made once; the second attempt was told it exists (409) and took it.
    expect(posts.map((request) => request.status)).toEqual([201, 409]);
  });
});

describe('DynamoDB throttling some calls all along, and everything now and then, while agents work', () => {
  it('loses no job and runs none twice: throttled requests are retried by the SDK, the client (503) or SQS (the worker)', async () => {
    const api = adminApi(runtime);
    const pipeline = await preparePipeline(api, gitea, { tasks: 10, agents: 5 });
    let burst = false;
    // One call in twenty throttled inside the SDK's retry loop (usually absorbed by its retry)…
    const sometimes = inject(() => (Math.random() < 0.05 ? throttlingError(Math.random() < 0.5 ? 'ProvisionedThroughputExceededException' : 'ThrottlingException') : undefined));
    // …and two bursts where every call is throttled past the retries (requests get 503, the worker fails mid-job).
    const always = inject((command, input) => (burst ? (isTransactionWrite(command) && Math.random() < 0.5 ? transactionConflict(input.TransactItems.length, 'ThrottlingError') : throttlingError()) : undefined), {
      step: 'initialize',
    });
    const bursts = (async () => {
      for (const at of [1500, 3500]) {
        await new Promise((resolve) => setTimeout(resolve, at === 1500 ? at : 1200));
        burst = true;
        await new Promise((resolve) => setTimeout(resolve, 700));
        burst = false;
      }
    })();
    const observed = new Observed();
    const record = await runPipeline({ url: runtime.url, adminToken: runtime.adminToken }, observed, gitea, pipeline);
    await bursts;
    sometimes.stop();
    always.stop();

    expect(sometimes.injected.length).toBeGreaterThan(0);
    expect(always.injected.length).toBeGreaterThan(0);
    // The agents saw the throttling as answers saying to retry (503s, tool errors), never as a 500.
    expect(observed.retried.length).toBeGreaterThan(0);
    await assertPipelineInvariants(api, gitea, pipeline, record, observed, { queues: queuesOf(runtime) });
  }, PIPELINE_TEST_TIMEOUT_MS);
});
