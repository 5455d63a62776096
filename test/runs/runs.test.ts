import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { advanceClock } from '../../packages/core/src/clock.js';
import { apiClient, expectError } from '../helpers/http.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, newAgent, ok, type AgentClient } from '../mcp/mcp-client.js';

// Live log, Stop, Retry, usage and budgets over REST and MCP (real SDK clients, DynamoDB Local).
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

/** A fresh project with one task, claimed by a fresh agent. */
async function claimed() {
  const project = await createProject(api);
  const task = await createTask(api, project.id);
  const a = await agent();
  const claim = await a.call('get_next_task', { projectId: project.id });
  expect(claim.structured.task.id).toBe(task.id);
  return { project, task, a };
}

const events = async (taskId: string) => ok(await api.get(`/api/tasks/${taskId}/events?limit=100`)) as Array<{ type: string; actor?: string; message: string }>;

describe('live log', () => {
  it('an agent appends batches over MCP; people follow them with a cursor; the holding agent reads them too, others may not', async () => {
    const { task, a } = await claimed();
    const first = await a.call('append_log', { taskId: task.id, attempt: 1, lines: [{ stream: 'stdout', text: 'cloning' }, { stream: 'stderr', text: 'warning: x' }] });
    expect(first.structured).toMatchObject({ stop: false, written: 2 });

    const page = await api.get(`/api/tasks/${task.id}/log`);
    expect(page.status).toBe(200);
    expect(page.body.data).toEqual([
      { at: expect.any(String), attempt: 1, stream: 'stdout', text: 'cloning' },
      { at: expect.any(String), attempt: 1, stream: 'stderr', text: 'warning: x' },
    ]);
    const cursor = page.body.cursor;
    expect(cursor).toEqual(expect.any(String));

    // Nothing new: the same cursor comes back, so a follower keeps asking with it.
    const idle = await api.get(`/api/tasks/${task.id}/log?after=${cursor}`);
    expect(idle.body).toMatchObject({ data: [], cursor });

    await a.call('append_log', { taskId: task.id, attempt: 2, lines: [{ stream: 'step', text: 'tool: Bash ls' }] });
    const next = await api.get(`/api/tasks/${task.id}/log?after=${cursor}`);
    expect(next.body.data).toEqual([{ at: expect.any(String), attempt: 2, stream: 'step', text: 'tool: Bash ls' }]);

    // The agent holding the task reads its log with its own token; another agent is refused.
    expect((await apiClient(runtime.url, a.token).get(`/api/tasks/${task.id}/log`)).body.data).toHaveLength(3);
    const other = await agent();
    expectError(await apiClient(runtime.url, other.token).get(`/api/tasks/${task.id}/log`), 403, 'FORBIDDEN');
    const refused = await other.call('append_log', { taskId: task.id, lines: [{ text: 'not mine' }] });
    expect(refused.isError).toBe(true);
    expect(ok(await api.get(`/api/tasks/${task.id}/log`))).toHaveLength(3);
  });

  it('refuses a cursor it did not give, an oversized batch and an unknown task with a 4xx that says why', async () => {
    const { task, a } = await claimed();
    expectError(await api.get(`/api/tasks/${task.id}/log?after=bm9wZQ`), 400, 'VALIDATION_ERROR', /after/);
    expectError(await api.get(`/api/tasks/${task.id}/log?after=${Buffer.from(JSON.stringify({ sk: 'EVENT#x' })).toString('base64url')}`), 400, 'VALIDATION_ERROR', /after/);
    expectError(await api.get(`/api/tasks/${task.id}/log?limit=0`), 400, 'VALIDATION_ERROR');
    expectError(await api.get('/api/tasks/nope/log'), 404, 'NOT_FOUND');
    const big = await a.call('append_log', { taskId: task.id, lines: Array.from({ length: 20 }, () => ({ text: 'x'.repeat(3_999) })) });
    expect(big.isError).toBe(true);
    expect(big.text).toMatch(/at most 64000 characters/);
    expect(ok(await api.get(`/api/tasks/${task.id}/log`))).toEqual([]);
  });
});

describe('Stop and Retry', () => {
  it('Stop moves a running task to the backlog, held, with a stopped event naming the person; the agent hears stop in its next log call', async () => {
    const { task, a } = await claimed();
    const stopped = ok(await api.post(`/api/tasks/${task.id}/stop`));
    expect(stopped).toMatchObject({ state: 'backlog', held: expect.stringContaining('The admin stopped it'), stopped: { by: 'admin', agentId: a.agent.id } });
    expect(stopped.assignedAgentId).toBeUndefined();
    expect((await events(task.id)).at(-1)).toMatchObject({ type: 'stopped', actor: 'admin', message: expect.stringContaining('The admin stopped it') });

    const heard = await a.call('append_log', { taskId: task.id, lines: [{ text: 'last words' }] });
    expect(heard.structured).toMatchObject({ stop: true, written: 1 });
    expect(heard.structured.message).toMatch(/The admin stopped task/);
    // Its last output is kept; the agent is free again.
    expect(ok(await api.get(`/api/tasks/${task.id}/log`)).map((entry: { text: string }) => entry.text)).toEqual(['last words']);
    expect(ok(await api.get(`/api/agents/${a.agent.id}`))).toMatchObject({ status: 'idle' });

    // Held: no agent claims it until a person retries.
    const b = await agent();
    expect((await b.call('get_next_task', { projectId: task.projectId })).structured.task).toBeNull();
    expectError(await api.post(`/api/tasks/${task.id}/stop`), 409, 'CONFLICT', /only a task an agent is working on/);
  });

  it('Retry makes a given-back task claimable again, with its history; a claimable task has nothing to retry', async () => {
    const { project, task, a } = await claimed();
    const gaveUp = await a.call('update_task_status', { taskId: task.id, state: 'backlog', hold: true, note: 'the coding command failed 3 time(s)' });
    expect(gaveUp.structured.task).toMatchObject({ state: 'backlog', held: 'the coding command failed 3 time(s)' });
    const b = await agent();
    expect((await b.call('get_next_task', { projectId: project.id })).structured.task).toBeNull();
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&ready=true`))).toEqual([]);

    const retried = ok(await api.post(`/api/tasks/${task.id}/retry`));
    expect(retried.state).toBe('backlog');
    expect(retried.held).toBeUndefined();
    expect((await events(task.id)).map((event) => event.type)).toEqual(['created', 'claimed', 'state_changed', 'retried']);
    expect((await events(task.id)).at(-1)).toMatchObject({ actor: 'admin', message: expect.stringContaining('the coding command failed 3 time(s)') });
    expect((await b.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);

    const fresh = await createTask(api, project.id);
    expectError(await api.post(`/api/tasks/${fresh.id}/retry`), 409, 'CONFLICT', /nothing to retry/);
    expect(ok(await api.get(`/api/tasks/${fresh.id}`)).version).toBe(fresh.version);
    const hold = await b.call('update_task_status', { taskId: task.id, state: 'ready_to_test', hold: true });
    expect(hold.text).toMatch(/'hold' goes only with state 'backlog'/);
  });
});

describe('usage and budgets', () => {
  it('attempts add up on the task and its project, with an attempt event each', async () => {
    const { project, task, a } = await claimed();
    await a.call('report_attempt', { taskId: task.id, attempt: 1, seconds: 12.5, exit: 'exit 1', inputTokens: 1000, outputTokens: 200, costUsd: 0.25 });
    const second = await a.call('report_attempt', { taskId: task.id, attempt: 2, seconds: 30, exit: 'exit 0', inputTokens: 500, outputTokens: 50, costUsd: 0.125 });
    expect(second.structured).toMatchObject({ usage: { attempts: 2, seconds: 42.5, inputTokens: 1500, outputTokens: 250, costUsd: 0.375 }, counted: true });
    expect(ok(await api.get(`/api/tasks/${task.id}`)).usage).toEqual({ attempts: 2, seconds: 42.5, inputTokens: 1500, outputTokens: 250, costUsd: 0.375 });
    expect(ok(await api.get(`/api/projects/${project.id}`)).usage).toEqual({ attempts: 2, seconds: 42.5, inputTokens: 1500, outputTokens: 250, costUsd: 0.375 });
    expect((await events(task.id)).filter((event) => event.type === 'attempt').map((event) => event.message)).toEqual([
      'Attempt 1: exit 1 after 13 s; 1000 tokens in, 200 out; $0.2500',
      'Attempt 2: exit 0 after 30 s; 500 tokens in, 50 out; $0.1250',
    ]);
    // A project edit after usage moved its version still goes through (no lost counters either way).
    ok(await api.patch(`/api/projects/${project.id}`, { description: 'still counted' }));
    expect(ok(await api.get(`/api/projects/${project.id}`)).usage.attempts).toBe(2);
  });

  it('a report sent again (after a lost answer, or at the same moment) counts once, with or without an attemptId', async () => {
    const { project, task, a } = await claimed();
    const report = { taskId: task.id, attempt: 1, attemptId: 'run-7f3a9c21', seconds: 20, exit: 'exit 0', inputTokens: 100, outputTokens: 10, costUsd: 0.5 };
    const once = { attempts: 1, seconds: 20, inputTokens: 100, outputTokens: 10, costUsd: 0.5 };
    expect((await a.call('report_attempt', report)).structured).toEqual({ usage: once, dayCostUsd: 0.5, counted: true });
    expect((await a.call('report_attempt', report)).structured).toEqual({ usage: once, dayCostUsd: 0.5, counted: false });

    // The next run, sent four times at once: one of them counts.
    const next = { ...report, attempt: 2, attemptId: 'run-0b1e44d8', costUsd: 0.25 };
    const copies = await Promise.all(Array.from({ length: 4 }, () => a.call('report_attempt', next)));
    expect(copies.map((copy) => copy.isError)).toEqual([false, false, false, false]);
    expect(copies.filter((copy) => copy.structured.counted)).toHaveLength(1);
    const twice = { attempts: 2, seconds: 40, inputTokens: 200, outputTokens: 20, costUsd: 0.75 };
    expect(ok(await api.get(`/api/tasks/${task.id}`)).usage).toEqual(twice);
    expect(ok(await api.get(`/api/projects/${project.id}`)).usage).toEqual(twice);

    // Without an attemptId, the claim and the attempt number tell a run: the same number twice (at once) counts once.
    const bare = { taskId: task.id, attempt: 3, seconds: 5, exit: 'timeout' };
    const bares = await Promise.all([a.call('report_attempt', bare), a.call('report_attempt', bare)]);
    expect(bares.map((copy) => copy.structured.counted).sort()).toEqual([false, true]);
    expect(ok(await api.get(`/api/tasks/${task.id}`)).usage).toEqual({ ...twice, attempts: 3, seconds: 45 });
    expect((await events(task.id)).filter((event) => event.type === 'attempt').map((event) => event.message)).toEqual([
      'Attempt 1: exit 0 after 20 s; 100 tokens in, 10 out; $0.5000',
      'Attempt 2: exit 0 after 20 s; 100 tokens in, 10 out; $0.2500',
      'Attempt 3: timeout after 5 s',
    ]);
    // A bad attemptId is refused and changes nothing.
    const bad = await a.call('report_attempt', { ...bare, attempt: 4, attemptId: 'no spaces allowed' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/attemptId/);
    expect(ok(await api.get(`/api/tasks/${task.id}`)).usage.attempts).toBe(3);
  });

  it('a project over its budget for the day gets no claims, and says why; raising the budget lets claims through', async () => {
    const { project, task, a } = await claimed();
    expectError(await api.patch(`/api/projects/${project.id}`, { budget: { costUsdPerDay: 0 } }), 400, 'VALIDATION_ERROR', /costUsdPerDay/);
    expect(ok(await api.patch(`/api/projects/${project.id}`, { budget: { costUsdPerDay: 1 } })).budget).toEqual({ costUsdPerDay: 1 });
    await a.call('report_attempt', { taskId: task.id, attempt: 1, seconds: 5, exit: 'exit 0', costUsd: 1.5 });
    advanceClock(2_100); // a claim's copy of the project (and its budget) is up to 2 s old: core's clock moves past it
    await createTask(api, project.id);
    await a.call('update_task_status', { taskId: task.id, state: 'backlog' });

    const b = await agent();
    const scoped = await b.call('get_next_task', { projectId: project.id });
    expect(scoped.structured.task).toBeNull();
    expect(scoped.structured.message).toMatch(/reached its budget of \$1\.00 for \d{4}-\d\d-\d\d \(UTC\): \$1\.50 spent/);
    // Unscoped: the project's tasks are passed over (other projects' tasks may still be claimed).
    for (;;) {
      const any = await b.call('get_next_task');
      if (!any.structured.task) break;
      expect(any.structured.task.projectId).not.toBe(project.id);
      await b.call('update_task_status', { taskId: any.structured.task.id, state: 'backlog', hold: true });
    }

    ok(await api.patch(`/api/projects/${project.id}`, { budget: { costUsdPerDay: 10 } }));
    advanceClock(2_100); // the claim's copy of the project is 2 s fresh: core's clock moves past it
    expect((await b.call('get_next_task', { projectId: project.id })).structured.task.projectId).toBe(project.id);
    ok(await api.patch(`/api/projects/${project.id}`, { budget: null }));
    expect(ok(await api.get(`/api/projects/${project.id}`)).budget).toBeUndefined();
  });
});
