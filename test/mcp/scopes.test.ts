import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { expectError } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, connectAgent, newAgent, ok, rawMcp, type AgentClient } from './mcp-client.js';

/** Tool titles and annotations for well-behaved clients, and token scopes enforced when a tool is called. */
let runtime: Runtime;
let api: ReturnType<typeof admin>;
const clients: AgentClient[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  api = admin(runtime);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await runtime?.stop();
});

/** What each tool really does: reads only, can do what the agent cannot undo, repeatable, reaches Gitea. */
const EXPECTED: Record<string, { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean }> = {
  get_next_task: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  update_task_status: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  get_task: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  list_my_tasks: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  heartbeat: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  create_branch: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  create_pull_request: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  get_job: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  create_task: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  append_log: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  report_attempt: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

describe('tool annotations', () => {
  it('gives every tool a title and all four hints, matching what it does', async () => {
    const agent = await newAgent(runtime);
    clients.push(agent);
    const { tools } = await agent.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const tool of tools) {
      expect(tool.title, tool.name).toEqual(expect.any(String));
      expect(tool.annotations, tool.name).toEqual({ title: tool.title, ...EXPECTED[tool.name] });
    }
  });
});

describe('agent token scopes', () => {
  it('registers agents with read and work unless told otherwise, and refuses unknown or empty scopes with 400', async () => {
    expect(ok(await api.post('/api/agents', { name: 'worker' }), 201).scopes).toEqual(['read', 'work']);
    expect(ok(await api.post('/api/agents', { name: 'observer', scopes: ['read'] }), 201).scopes).toEqual(['read']);
    expect(ok(await api.post('/api/agents', { name: 'implied', scopes: ['work'] }), 201).scopes).toEqual(['read', 'work']);
    expectError(await api.post('/api/agents', { name: 'bad', scopes: ['admin'] }), 400, 'VALIDATION_ERROR', /scopes/);
    expectError(await api.post('/api/agents', { name: 'none', scopes: [] }), 400, 'VALIDATION_ERROR', /scopes/);
  });

  it('a read-only token reads but cannot claim, move, heartbeat or start jobs, whatever the client sends; granting work lets it', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const observer = ok(await api.post('/api/agents', { name: 'observer', scopes: ['read'] }), 201);
    const client = await connectAgent(runtime, observer.token, 'observer');
    clients.push(client);
    expect(client.client.getInstructions()).toMatch(/read-only/);

    expect((await client.call('list_my_tasks')).structured).toMatchObject({ tasks: [] });
    for (const [tool, args] of [
      ['get_next_task', { projectId: project.id }],
      ['update_task_status', { taskId: task.id, state: 'in_progress' }],
      ['heartbeat', {}],
      ['create_branch', { taskId: task.id }],
      ['create_pull_request', { taskId: task.id }],
      ['create_task', { title: 'Not allowed' }],
    ] as const) {
      const refused = await client.call(tool, args);
      expect(refused.isError, tool).toBe(true);
      expect(refused.text, tool).toMatch(/needs the 'work' scope.*\[FORBIDDEN\]/);
    }
    // The same call as raw JSON-RPC, not through the SDK client: refused on the server.
    const raw = await rawMcp(runtime, {
      token: observer.token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_next_task', arguments: {} } }),
    });
    expect(raw.status).toBe(200);
    expect(raw.body.result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining("'work' scope") }] });
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'backlog' });
    expect(ok(await api.get(`/api/agents/${observer.id}`))).toMatchObject({ status: 'idle', lastHeartbeatAt: observer.lastHeartbeatAt });
    expect(ok(await api.get(`/api/tasks/${task.id}/jobs`))).toEqual([]);

    ok(await api.patch(`/api/agents/${observer.id}`, { scopes: ['read', 'work'] }));
    const claimed = await client.call('get_next_task', { projectId: project.id });
    expect(claimed.isError, claimed.text).toBe(false);
    expect(claimed.structured.task.id).toBe(task.id);
  });
});

describe('the REST heartbeat and token scopes', () => {
  it("a read-only token cannot heartbeat over REST either (it would keep a held task's lease alive): 403, nothing written", async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const worker = ok(await api.post('/api/agents', { name: 'demoted' }), 201);
    const client = await connectAgent(runtime, worker.token, 'demoted');
    clients.push(client);
    const claimed = await client.call('get_next_task', { projectId: project.id });
    expect(claimed.structured.task.id).toBe(task.id);
    // A person takes the work scope away while the agent holds the task.
    ok(await api.patch(`/api/agents/${worker.id}`, { scopes: ['read'] }));
    const before = ok(await api.get(`/api/agents/${worker.id}`));

    const response = await fetch(`${runtime.url}/api/agents/${worker.id}/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${worker.token}` } });
    const body = (await response.json()) as any;
    expect(response.status).toBe(403);
    expect(body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/'work' scope/) });
    expect(ok(await api.get(`/api/agents/${worker.id}`))).toEqual(before);

    // A person (the admin token) may still record one for it, and a token with work may.
    ok(await api.patch(`/api/agents/${worker.id}`, { scopes: ['read', 'work'] }));
    const allowed = await fetch(`${runtime.url}/api/agents/${worker.id}/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${worker.token}` } });
    expect(allowed.status).toBe(200);
  });
});
