import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, connectAgent, newAgent, ok, rawMcp } from './mcp-client.js';

let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  api = admin(runtime);
});
afterAll(() => runtime?.stop());

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('MCP authentication', () => {
  it('refuses a missing, wrong or non-agent token with 401 and a WWW-Authenticate challenge, before MCP runs', async () => {
    const a = await newAgent(runtime);
    const forged = a.token.slice(0, -4) + (a.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const cases: Array<[string, string | undefined]> = [
      ['missing', undefined],
      ['garbage', 'not-a-token'],
      ['admin token', runtime.adminToken],
      ['right agent, wrong secret', forged],
      ['unknown agent', 'aiw_00000000-0000-0000-0000-000000000000_secret'],
    ];
    for (const [label, token] of cases) {
      const response = await rawMcp(runtime, { token, body: initialize });
      expect(response.status, label).toBe(401);
      expect(response.headers.get('www-authenticate'), label).toMatch(/^Bearer realm="aiworker"/);
      expect(response.body.error.message, label).toMatch(/token/);
      await expect(connectAgent(runtime, token), label).rejects.toThrow();
    }
    expect((await rawMcp(runtime, { token: a.token, body: initialize })).status).toBe(200);
    await a.close();
  });

  it('refuses the token of a deleted agent', async () => {
    const a = await newAgent(runtime);
    await a.close();
    ok(await api.delete(`/api/agents/${a.agent.id}`));
    expect((await rawMcp(runtime, { token: a.token, body: initialize })).status).toBe(401);
  });

  it('acts as the agent the token names: another agent can neither change nor read its task', async () => {
    const project = await createProject(api);
    await createTask(api, project.id, { priority: 90 });
    await createTask(api, project.id, { priority: 10 });
    const a = await newAgent(runtime);
    const b = await newAgent(runtime);
    const taskOfA = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    expect(taskOfA.assignedAgentId).toBe(a.agent.id);

    for (const state of ['ready_to_test', 'backlog', 'needs_input']) {
      const attempt = await b.call('update_task_status', { taskId: taskOfA.id, state, question: 'Mine now?' });
      expect(attempt.isError, state).toBe(true);
      expect(attempt.text).toMatch(/assigned to another agent/);
    }
    expect((await b.call('get_task', { taskId: taskOfA.id })).isError).toBe(true);
    // Tool arguments cannot name another agent: extra arguments are ignored, the token decides.
    const sneaky = await b.call('get_next_task', { projectId: project.id, agentId: a.agent.id });
    expect(sneaky.structured.task.assignedAgentId).toBe(b.agent.id);
    expect(sneaky.structured.task.id).not.toBe(taskOfA.id);

    expect(ok(await api.get(`/api/tasks/${taskOfA.id}`))).toMatchObject({ state: 'in_progress', assignedAgentId: a.agent.id, version: 2 });
    expect(ok(await api.get(`/api/agents/${a.agent.id}`))).toMatchObject({ status: 'busy', currentTaskId: taskOfA.id });
    await Promise.all([a.close(), b.close()]);
  });
});
