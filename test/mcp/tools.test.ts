import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { agentRepository } from '../../packages/core/src/db/agent-repository.js';
import { advanceClock } from '../../packages/core/src/clock.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, newAgent, ok, rawMcp, type AgentClient } from './mcp-client.js';

// No job worker here: jobs stay queued, so the job tools' queued/waiting paths are visible.
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

async function agent() {
  const created = await newAgent(runtime);
  clients.push(created);
  return created;
}

/** A fresh project with tasks, so each test claims only its own. */
async function projectWith(...priorities: number[]) {
  const project = await createProject(api);
  const tasks = [];
  for (const priority of priorities) tasks.push(await createTask(api, project.id, { priority }));
  return { project, tasks };
}

describe('MCP endpoint', () => {
  it('initializes as aiworker with tools and resources, and lists every tool with its input schema', async () => {
    const a = await agent();
    expect(a.client.getServerVersion()?.name).toBe('aiworker');
    expect(a.client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {} });
    expect(a.client.getInstructions()).toMatch(/get_next_task/);

    const { tools } = await a.client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    const expected: Record<string, { properties: string[]; required: string[] }> = {
      get_next_task: { properties: ['projectId'], required: [] },
      update_task_status: { properties: ['taskId', 'state', 'question', 'note', 'hold'], required: ['taskId', 'state'] },
      create_branch: { properties: ['taskId', 'wait'], required: ['taskId'] },
      create_pull_request: { properties: ['taskId', 'title', 'body', 'wait'], required: ['taskId'] },
      get_task: { properties: ['taskId'], required: ['taskId'] },
      list_my_tasks: { properties: ['state', 'limit', 'cursor'], required: [] },
      get_job: { properties: ['jobId'], required: ['jobId'] },
      heartbeat: { properties: [], required: [] },
      create_task: { properties: ['title', 'description', 'priority', 'dependsOn', 'parentId'], required: ['title'] },
      append_log: { properties: ['taskId', 'attempt', 'lines'], required: ['taskId', 'lines'] },
      report_attempt: { properties: ['taskId', 'attempt', 'attemptId', 'seconds', 'exit', 'inputTokens', 'outputTokens', 'costUsd'], required: ['taskId', 'attempt', 'seconds', 'exit'] },
    };
    expect(Object.keys(byName).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, shape] of Object.entries(expected)) {
      const tool = byName[name];
      expect(tool.description, name).toMatch(/\w{20,}|\w+ \w+ \w+/);
      expect(tool.inputSchema.type).toBe('object');
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort(), name).toEqual([...shape.properties].sort());
      expect([...(tool.inputSchema.required ?? [])].sort(), name).toEqual([...shape.required].sort());
      expect(tool.outputSchema?.type, name).toBe('object');
    }
    expect((byName.update_task_status.inputSchema.properties as any).state.enum).toContain('needs_input');
  });

  it('answers malformed JSON-RPC with a JSON-RPC error, and GET/DELETE with 405 (stateless, no SSE stream)', async () => {
    const a = await agent();
    const parse = await rawMcp(runtime, { token: a.token, body: '{"jsonrpc":"2.0",' });
    expect(parse.status).toBe(400);
    expect(parse.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });

    const notRpc = await rawMcp(runtime, { token: a.token, body: '{"hello":"world"}' });
    expect(notRpc.status).toBe(400);
    expect(notRpc.body.error.code).toEqual(expect.any(Number));

    const unknownMethod = await rawMcp(runtime, {
      token: a.token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'no/such/method' }),
      headers: { 'mcp-protocol-version': '2025-06-18' },
    });
    expect(unknownMethod.body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32601 } });

    // Params that do not fit the method are the client's mistake: invalid params (-32602), never an internal error.
    const call = (id: number, params: unknown, method = 'tools/call') =>
      rawMcp(runtime, { token: a.token, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }), headers: { 'mcp-protocol-version': '2025-06-18' } });
    const badParams: Array<[string, unknown, RegExp]> = [
      ['tools/call', { name: 'get_task', arguments: 'not an object' }, /arguments/],
      ['tools/call', { name: 'heartbeat', arguments: [] }, /arguments/],
      ['tools/call', {}, /name/],
      ['tools/call', { name: 42 }, /name/],
      ['resources/read', { uri: {} }, /uri/],
      ['resources/read', { uri: '' }, /uri/],
      ['resources/read', undefined, /params|uri/],
    ];
    for (const [index, [method, params, message]] of badParams.entries()) {
      const response = await call(100 + index, params, method);
      const where = `${method} ${JSON.stringify(params)}`;
      expect(response.status, where).toBe(200);
      expect(response.body, where).toMatchObject({ id: 100 + index, error: { code: -32602, message } });
    }
    // A task-augmented call is run as a plain call: this server declares no task support.
    const augmented = await call(120, { name: 'list_my_tasks', arguments: {}, task: { ttl: 1000 } });
    expect(augmented.body.result).toMatchObject({ structuredContent: { tasks: [] } });
    // Resources that do not exist or are not the agent's: resource not found (the spec's -32602 with the URI
    // in data; -32002 before 2026-07-28) / invalid params, with the reason.
    expect((await call(121, { uri: 'aiworker://projects/none' }, 'resources/read')).body.error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/Project 'none' was not found/),
      data: { uri: 'aiworker://projects/none' },
    });

    for (const method of ['GET', 'DELETE']) {
      const response = await rawMcp(runtime, { token: a.token, method, headers: { accept: 'text/event-stream' } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.body.error.message).toMatch(/POST/);
    }
  });
});

describe('get_next_task', () => {
  it('claims a backlog task of the highest priority, returns it with its project, and records the claim', async () => {
    const { project, tasks } = await projectWith(10, 90, 50, 90);
    const a = await agent();
    const claim = await a.call('get_next_task', { projectId: project.id });
    expect(claim.isError).toBe(false);
    // Of equally urgent tasks an agent takes one of the oldest few at random, so agents asking together spread out.
    expect([tasks[1].id, tasks[3].id]).toContain(claim.structured.task.id);
    expect(claim.structured.task).toMatchObject({ priority: 90, state: 'in_progress', assignedAgentId: a.agent.id, version: 2 });
    expect(claim.structured.project).toMatchObject({ id: project.id, giteaOwner: project.giteaOwner, giteaRepo: project.giteaRepo });
    expect(claim.structured.resumed).toBe(false);
    const claimed = claim.structured.task.id;
    expect(JSON.parse(claim.text).task.id).toBe(claimed);

    expect(ok(await api.get(`/api/agents/${a.agent.id}`))).toMatchObject({ status: 'busy', currentTaskId: claimed });
    const events = ok(await api.get(`/api/tasks/${claimed}/events`));
    expect(events.map((event: { type: string }) => event.type)).toEqual(['created', 'claimed']);
    expect(events[1]).toMatchObject({ from: 'backlog', to: 'in_progress', agentId: a.agent.id });
  });

  it('returns the task the agent already holds (resume) instead of a second one', async () => {
    const { project, tasks } = await projectWith(50, 50);
    const a = await agent();
    const first = await a.call('get_next_task', { projectId: project.id });
    const again = await a.call('get_next_task', { projectId: project.id });
    expect(again.structured).toMatchObject({ task: { id: first.structured.task.id }, resumed: true });
    expect(again.structured.message).toMatch(/already hold/);
    // The same agent asking many times at once still holds one task.
    const other = await projectWith(50, 50, 50);
    const b = await agent();
    const burst = await Promise.all(Array.from({ length: 6 }, () => b.call('get_next_task', { projectId: other.project.id })));
    expect(new Set(burst.map((result) => result.structured.task.id)).size).toBe(1);
    expect(burst.filter((result) => !result.structured.resumed)).toHaveLength(1);
    const backlog = ok(await api.get(`/api/tasks?projectId=${other.project.id}&state=backlog`));
    expect(backlog).toHaveLength(2);
    expect(tasks).toHaveLength(2);
  });

  it('answers "no task" when the backlog is empty, and a clear error for an unknown project', async () => {
    const { project } = await projectWith();
    const a = await agent();
    const none = await a.call('get_next_task', { projectId: project.id });
    expect(none.isError).toBe(false);
    expect(none.structured).toEqual({ task: null, message: expect.stringMatching(/No task/) });

    const unknown = await a.call('get_next_task', { projectId: 'no-such-project' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/Project 'no-such-project' was not found/);
    expect(ok(await api.get(`/api/agents/${a.agent.id}`)).status).toBe('idle');
  });
});

describe('update_task_status', () => {
  it('asks a question (needs_input), gets the answer, and finishing frees the agent', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;

    const noQuestion = await a.call('update_task_status', { taskId: task.id, state: 'needs_input' });
    expect(noQuestion.isError).toBe(true);
    expect(noQuestion.text).toMatch(/needs a 'question'/);

    const asked = await a.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'OAuth or passwords?' });
    expect(asked.structured.task).toMatchObject({ state: 'needs_input', question: 'OAuth or passwords?' });
    expect(ok(await api.get(`/api/agents/${a.agent.id}`))).toMatchObject({ status: 'busy', currentTaskId: task.id });

    ok(await api.post(`/api/tasks/${task.id}/respond`, { response: 'OAuth' }));
    expect((await a.call('get_task', { taskId: task.id })).structured.task).toMatchObject({ state: 'in_progress', lastResponse: 'OAuth' });

    const done = await a.call('update_task_status', { taskId: task.id, state: 'ready_to_test', note: 'All green' });
    expect(done.structured.task.state).toBe('ready_to_test');
    expect(done.structured.message).toMatch(/get_next_task/);
    const freed = ok(await api.get(`/api/agents/${a.agent.id}`));
    expect(freed.status).toBe('idle');
    expect(freed.currentTaskId).toBeUndefined();
    const events = ok(await api.get(`/api/tasks/${task.id}/events`));
    expect(events.at(-1)).toMatchObject({ type: 'state_changed', from: 'in_progress', to: 'ready_to_test', agentId: a.agent.id, message: 'All green' });
  });

  it('refuses illegal and out-of-hand changes with a message that says what is allowed, changing nothing', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;

    const approve = await a.call('update_task_status', { taskId: task.id, state: 'approved' });
    expect(approve.isError).toBe(true);
    expect(approve.text).toMatch(/cannot move a task to 'approved'.*needs_input, ready_to_test, backlog/);

    const bogus = await a.call('update_task_status', { taskId: task.id, state: 'flying' });
    expect(bogus.isError).toBe(true);
    expect(bogus.text).toMatch(/state/);

    const missing = await a.call('update_task_status', { taskId: 'no-such-task', state: 'ready_to_test' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/Task 'no-such-task' was not found/);

    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'in_progress', version: 2 });

    await a.call('update_task_status', { taskId: task.id, state: 'ready_to_test' });
    const again = await a.call('update_task_status', { taskId: task.id, state: 'in_progress' });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/no longer in your hands/);
  });

  it('giving a task back (backlog) frees the agent and lets another agent claim it', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const b = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    const released = await a.call('update_task_status', { taskId: task.id, state: 'backlog', note: 'Not my skills' });
    expect(released.structured.task.state).toBe('backlog');
    expect(released.structured.task.assignedAgentId).toBeUndefined();
    expect((await b.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
  });

  it('a task a person sends back from review is the agent’s held task again: get_next_task resumes it', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    await a.call('update_task_status', { taskId: task.id, state: 'ready_to_test' });
    ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    const resumed = await a.call('get_next_task');
    expect(resumed.structured).toMatchObject({ task: { id: task.id, state: 'in_progress' }, resumed: true });
    expect((await a.call('update_task_status', { taskId: task.id, state: 'ready_to_test' })).structured.task.state).toBe('ready_to_test');
    expect(ok(await api.get(`/api/agents/${a.agent.id}`)).status).toBe('idle');
  });
});

describe('get_task and list_my_tasks', () => {
  it('read the agent’s own tasks only', async () => {
    const { project, tasks } = await projectWith(60, 50);
    const a = await agent();
    const b = await agent();
    const mine = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    const theirs = (await b.call('get_next_task', { projectId: project.id })).structured.task;
    expect([mine.id, theirs.id]).toEqual([tasks[0].id, tasks[1].id]);

    expect((await a.call('get_task', { taskId: mine.id })).structured.task).toMatchObject({ id: mine.id, state: 'in_progress' });
    const other = await a.call('get_task', { taskId: theirs.id });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/assigned to another agent/);
    expect((await a.call('get_task', { taskId: 'nope' })).text).toMatch(/was not found/);

    await a.call('update_task_status', { taskId: mine.id, state: 'ready_to_test' });
    const second = await createTask(api, project.id);
    await a.call('get_next_task', { projectId: project.id });
    const list = await a.call('list_my_tasks');
    expect(list.structured.tasks.map((task: { id: string }) => task.id).sort()).toEqual([mine.id, second.id].sort());
    expect(list.structured.currentTaskId).toBe(second.id);
    const filtered = await a.call('list_my_tasks', { state: 'ready_to_test', limit: 5 });
    expect(filtered.structured.tasks.map((task: { id: string }) => task.id)).toEqual([mine.id]);
    expect((await a.call('list_my_tasks', { limit: 0 })).isError).toBe(true);
  });

  it('serve tasks and projects as resources', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    const read = await a.client.readResource({ uri: `aiworker://tasks/${task.id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ id: task.id, state: 'in_progress' });
    const projectResource = await a.client.readResource({ uri: `aiworker://projects/${project.id}` });
    expect(JSON.parse((projectResource.contents[0] as { text: string }).text)).toMatchObject({ id: project.id, giteaRepo: project.giteaRepo });
    const listed = await a.client.listResources();
    expect(listed.resources.map((resource) => resource.uri)).toContain(`aiworker://tasks/${task.id}`);
    const b = await agent();
    await expect(b.client.readResource({ uri: `aiworker://tasks/${task.id}` })).rejects.toThrow(/assigned to another agent/);
  });
});

describe('create_branch, create_pull_request and get_job', () => {
  it('enqueue a job for the held task and report it; waiting returns the job as it is when time runs out', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;

    const branch = await a.call('create_branch', { taskId: task.id });
    expect(branch.isError).toBe(false);
    expect(branch.structured.job).toMatchObject({ type: 'create_branch', taskId: task.id, status: 'queued' });
    expect(branch.structured.message).toMatch(/get_job/);
    const again = await a.call('create_branch', { taskId: task.id, wait: 1 });
    expect(again.structured.job.id).toBe(branch.structured.job.id);
    expect(again.structured.message).toMatch(/still queued/);

    const job = await a.call('get_job', { jobId: branch.structured.job.id });
    expect(job.structured.job).toMatchObject({ id: branch.structured.job.id, status: 'queued' });

    const noBranch = await a.call('create_pull_request', { taskId: task.id, title: 'Login page' });
    expect(noBranch.isError).toBe(true);
    expect(noBranch.text).toMatch(/has no branch yet/);
  });

  it('refuse other agents’ tasks and jobs, bad waits and unknown ids', async () => {
    const { project } = await projectWith(50);
    const a = await agent();
    const b = await agent();
    const task = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    const job = (await a.call('create_branch', { taskId: task.id })).structured.job;

    const branch = await b.call('create_branch', { taskId: task.id });
    expect(branch.isError).toBe(true);
    expect(branch.text).toMatch(/not assigned to agent/);
    const pr = await b.call('create_pull_request', { taskId: task.id });
    expect(pr.isError).toBe(true);
    expect((await b.call('get_job', { jobId: job.id })).text).toMatch(/was not found/);
    expect((await a.call('get_job', { jobId: 'no-such-job' })).text).toMatch(/Job 'no-such-job' was not found/);
    expect((await a.call('create_branch', { taskId: task.id, wait: 3600 })).isError).toBe(true);
    expect((await a.call('create_branch', { taskId: 'no-such-task' })).text).toMatch(/was not found/);
  });
});

describe('heartbeat and activity', () => {
  it('heartbeat records the agent as alive and reports its lease; any tool call moves lastSeenAt', async () => {
    const a = await agent();
    const before = (await agentRepository.get(a.agent.id))!;
    const beat = await a.call('heartbeat');
    expect(beat.structured).toMatchObject({ agent: { id: a.agent.id, status: 'idle' }, leaseSeconds: 300 });
    expect(Date.parse(beat.structured.leaseExpiresAt)).toBeGreaterThan(Date.parse(beat.structured.agent.lastHeartbeatAt));
    expect(ok(await api.get(`/api/agents/${a.agent.id}`)).lastHeartbeatAt).toBe(beat.structured.agent.lastHeartbeatAt);
    expect(beat.structured.agent.lastHeartbeatAt > before.lastHeartbeatAt!).toBe(true);

    const seen = (await agentRepository.get(a.agent.id))!.lastSeenAt;
    advanceClock(1_100); // core's clock past the "seen very recently" window (1 s), without waiting for it
    await a.call('list_my_tasks');
    expect((await agentRepository.get(a.agent.id))!.lastSeenAt > seen).toBe(true);
  });
});
