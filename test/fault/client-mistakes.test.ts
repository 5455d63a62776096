/**
 * A client's (or a remote party's) mistake is never a 5xx or a stuck job (issue 9, classes 3 and 7):
 * a huge Gitea error body, update_task_status with a field that does not apply, the MCP function meeting
 * an unexpected error or odd headers, cursors tampered into another list's keys.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as mcpHandler } from '../../functions/mcp/handler.js';
import { mcpPostEvent } from '../../packages/local/src/lambda-events.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { deployedUnderTest, startTestRuntime } from '../helpers/runtime.js';
import { projectWithRepository, standInTarget, taskInProgress, useFastRetries, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { newAgent } from '../mcp/mcp-client.js';
import { injectDynamoFaults } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;
const cleanups: Array<() => void> = [];

describe.skipIf(deployedUnderTest)("a client's mistake is never a 5xx", () => {
  beforeAll(async () => {
    useFastRetries();
    gitea = await standInTarget();
    runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, sweeper: false });
    api = apiClient(runtime.url, runtime.adminToken);
  });
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  afterAll(async () => {
    await runtime?.stop();
    await gitea?.close();
  });

  it('a Gitea error body larger than a DynamoDB item ends the job as failed, with a bounded excerpt on the job and the task', async () => {
    const project = await projectWithRepository(api, gitea);
    const task = await taskInProgress(api, project.id);
    gitea.standIn!.failNext(1, 422, { message: `rejected: ${'x'.repeat(600_000)}` });
    const job = await waitForJob(api, ok(await api.post(`/api/tasks/${task.id}/branch`), 202).id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^Gitea createBranch failed with HTTP 422: rejected: x+… \(\d+ more characters\)$/);
    expect(job.error.length).toBeLessThan(1_200);
    const after = ok(await api.get(`/api/tasks/${task.id}`));
    expect(after.lastError.length).toBeLessThan(1_400);
  });

  it('update_task_status refuses a question with a state other than needs_input, and changes nothing', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const agent = await newAgent(runtime);
    expect((await agent.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
    const before = ok(await api.get(`/api/tasks/${task.id}`));
    const refused = await agent.call('update_task_status', { taskId: task.id, state: 'ready_to_test', question: 'Should I?' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/'question' goes only with state 'needs_input'/);
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toEqual(before);
    await agent.close();
  });

  it('the MCP function answers an unexpected failure with a JSON-RPC error, never a thrown error (a Lambda 502)', async () => {
    const agent = await newAgent(runtime);
    const faults = injectDynamoFaults(() => Object.assign(new Error('socket hang up (injected)'), { name: 'NetworkingError' }), { step: 'initialize' });
    cleanups.push(faults.stop);
    const result = await mcpHandler(mcpPostEvent({ jsonrpc: '2.0', id: 7, method: 'tools/list' }, agent.token));
    faults.stop();
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body!)).toMatchObject({ jsonrpc: '2.0', error: { code: -32603, message: expect.stringMatching(/safe to retry/) } });
    await agent.close();
  });

  it('the MCP function takes any Host and X-Forwarded-Proto a client sends', async () => {
    const agent = await newAgent(runtime);
    for (const [host, proto] of [['bad host^', 'https'], ['[::1', 'http'], ['a:b:c', 'ht tp'], ['x', 'javascript'], ['', 'https, http']]) {
      const event = mcpPostEvent({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, agent.token);
      event.headers = { ...event.headers, host, 'x-forwarded-proto': proto };
      const result = await mcpHandler(event);
      expect(result.statusCode, `${host} ${proto}: ${result.body}`).toBe(200);
      expect(JSON.parse(result.body!).result.tools.length).toBeGreaterThan(0);
    }
    await agent.close();
  });

  it('a cursor made from another list’s keys, or a sort key outside the list, is a 400 INVALID_CURSOR', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const [path, key] of [
      [`/api/tasks/${task.id}/events`, { pk: `TASK#${task.id}`, sk: 'TASK' }],
      [`/api/tasks/${task.id}/events`, { pk: `TASK#${task.id}`, sk: 'ZZZ' }],
      [`/api/tasks/${task.id}/events`, { pk: `TASK#other`, sk: 'EVENT#x' }],
      ['/api/projects', { pk: 'x', sk: 'y', allPk: 'TASKS', allSk: 'z' }],
    ] as const) {
      expectError(await api.get(`${path}?cursor=${cursor(key)}`), 400, 'INVALID_CURSOR');
    }
  });
});
