import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { documentClient } from '../../packages/core/src/db/client.js';
import { forgetCandidates } from '../../packages/core/src/services/claim-candidates.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { expectError } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { injectDynamoFaults, isTransactionWrite, transactionConflict } from '../fault/helpers.js';
import { admin, newAgent, ok, type AgentClient } from './mcp-client.js';

let runtime: Runtime;
let api: ReturnType<typeof admin>;
const clients: AgentClient[] = [];
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false, sweeper: false });
  api = admin(runtime);
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
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

const ids = (tasks: Array<{ id: string }>) => tasks.map((task) => task.id);
const events = async (id: string) => ok<Array<{ type: string; actor?: string; message: string }>>(await api.get(`/api/tasks/${id}/events`));

/** A task taken through review to `approved` by a person (an agent does the work in between). */
async function finish(projectId: string, taskId: string) {
  const worker = await agent();
  const claim = await worker.call('get_next_task', { projectId });
  expect(claim.structured.task.id).toBe(taskId);
  await worker.call('update_task_status', { taskId, state: 'ready_to_test' });
  return () => api.patch(`/api/tasks/${taskId}`, { state: 'approved' });
}

describe('dependencies over REST', () => {
  it('refuses unknown tasks, tasks of another project and a bad parent with 400 naming them, writing nothing', async () => {
    const project = await createProject(api);
    const other = await createProject(api);
    const mine = await createTask(api, project.id);
    const theirs = await createTask(api, other.id);
    expectError(await api.post('/api/tasks', { projectId: project.id, title: 'x', dependsOn: [mine.id, 'no-such-task'] }), 400, 'VALIDATION_ERROR', /no-such-task/);
    expectError(await api.post('/api/tasks', { projectId: project.id, title: 'x', dependsOn: [theirs.id] }), 400, 'VALIDATION_ERROR', /another project/);
    expectError(await api.post('/api/tasks', { projectId: project.id, title: 'x', parentId: 'no-such-task' }), 400, 'VALIDATION_ERROR', /parentId/);
    expectError(await api.post('/api/tasks', { projectId: project.id, title: 'x', parentId: theirs.id }), 400, 'VALIDATION_ERROR', /another project/);
    expectError(await api.post('/api/tasks', { projectId: project.id, title: 'x', dependsOn: [mine.id, mine.id] }), 400, 'VALIDATION_ERROR');
    expect(ids(ok(await api.get(`/api/tasks?projectId=${project.id}`)))).toEqual([mine.id]);
    expect(ok(await api.get(`/api/tasks/${mine.id}`)).version).toBe(1);
  });

  it('blocks a task until its last dependency is done, then makes it claimable with a ready event', async () => {
    const project = await createProject(api);
    const a = await createTask(api, project.id, { title: 'A', priority: 90 });
    const b = await createTask(api, project.id, { title: 'B', priority: 80 });
    const x = ok(await api.post('/api/tasks', { projectId: project.id, title: 'X', priority: 100, dependsOn: [a.id, b.id] }), 201);
    expect(x).toMatchObject({ state: 'backlog', dependsOn: [a.id, b.id], openDependencies: 2 });
    expect(ids(ok(await api.get(`/api/tasks?projectId=${project.id}&blocked=true`)))).toEqual([x.id]);
    expect(ids(ok(await api.get(`/api/tasks?projectId=${project.id}&ready=true`)))).toEqual([a.id, b.id]);
    expect(ids(ok(await api.get('/api/tasks?blocked=true&limit=100')))).toContain(x.id);
    expect(ids(ok(await api.get('/api/tasks?ready=true&limit=100')))).not.toContain(x.id);

    // X has the highest priority but waits: agents get A and B.
    expect(ok(await (await finish(project.id, a.id))())).toMatchObject({ state: 'approved' });
    expect(ok(await api.get(`/api/tasks/${x.id}`))).toMatchObject({ openDependencies: 1 });
    const approveB = await finish(project.id, b.id);
    const idle = await agent();
    expect((await idle.call('get_next_task', { projectId: project.id })).structured.task).toBeNull();

    ok(await approveB());
    expect(ok(await api.get(`/api/tasks/${x.id}`))).toMatchObject({ state: 'backlog', openDependencies: 0 });
    expect(ids(ok(await api.get(`/api/tasks?projectId=${project.id}&ready=true`)))).toEqual([x.id]);
    expect((await events(x.id)).map((event) => event.type)).toEqual(['created', 'ready']);
    expect((await idle.call('get_next_task', { projectId: project.id })).structured.task).toMatchObject({ id: x.id, state: 'in_progress' });
  });

  it('counts a dependency once even when it is done again after rework', async () => {
    const project = await createProject(api);
    const a = await createTask(api, project.id, { priority: 90 });
    const b = await createTask(api, project.id, { priority: 80 });
    const x = ok(await api.post('/api/tasks', { projectId: project.id, title: 'X', dependsOn: [a.id, b.id] }), 201);
    ok(await (await finish(project.id, a.id))());
    ok(await api.patch(`/api/tasks/${a.id}`, { state: 'in_progress' }));
    ok(await api.patch(`/api/tasks/${a.id}`, { state: 'ready_to_test' }));
    ok(await api.patch(`/api/tasks/${a.id}`, { state: 'approved' }));
    expect(ok(await api.get(`/api/tasks/${x.id}`))).toMatchObject({ openDependencies: 1 });
  });

  it('concurrent completion of two dependencies makes the task ready exactly once, also when transactions conflict', async () => {
    for (const conflicts of [0, 2]) {
      const project = await createProject(api);
      const a = await createTask(api, project.id, { priority: 90 });
      const b = await createTask(api, project.id, { priority: 80 });
      const x = ok(await api.post('/api/tasks', { projectId: project.id, title: 'X', dependsOn: [a.id, b.id] }), 201);
      const approveA = await finish(project.id, a.id);
      const approveB = await finish(project.id, b.id);
      // DynamoDB cancelling the first transactions that touch X (another transaction held it): retried.
      let injected = 0;
      const faults = injectDynamoFaults(
        (command, input) => {
          if (!isTransactionWrite(command) || injected >= conflicts) return undefined;
          if (!JSON.stringify(input).includes(`TASK#${x.id}`)) return undefined;
          injected++;
          return transactionConflict(input.TransactItems.length);
        },
        { step: 'initialize' },
      );
      cleanups.push(faults.stop);
      const [first, second] = await Promise.all([approveA(), approveB()]);
      faults.stop();
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(injected).toBe(conflicts);
      expect(ok(await api.get(`/api/tasks/${x.id}`))).toMatchObject({ state: 'backlog', openDependencies: 0 });
      expect((await events(x.id)).filter((event) => event.type === 'ready')).toHaveLength(1);
      expect(ids(ok(await api.get(`/api/tasks?projectId=${project.id}&ready=true`)))).toEqual([x.id]);
    }
  });
});

describe('dependencies and filing over MCP', () => {
  it('create_task files a backlog task in the project of the held task, as the agent; it needs a held task', async () => {
    const project = await createProject(api);
    const parent = await createTask(api, project.id, { title: 'Parent' });
    const a = await agent();
    expect((await a.call('create_task', { title: 'Too early' })).isError).toBe(true);
    expect((await a.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(parent.id);
    const filed = await a.call('create_task', { title: 'Follow-up', description: 'Found while working', priority: 60, parentId: parent.id, dependsOn: [parent.id] });
    expect(filed.isError).toBe(false);
    expect(filed.structured.task).toMatchObject({ projectId: project.id, state: 'backlog', parentId: parent.id, dependsOn: [parent.id], openDependencies: 1, createdBy: `agent:${a.agent.id}` });
    expect((await events(filed.structured.task.id))[0]).toMatchObject({ type: 'created', actor: `agent:${a.agent.id}` });
    expect((await a.call('create_task', { title: 'Bad', dependsOn: ['no-such-task'] })).text).toMatch(/no-such-task/);
    // Another agent cannot claim the follow-up while its parent is not done.
    const b = await agent();
    expect((await b.call('get_next_task', { projectId: project.id })).structured.task).toBeNull();
  });

  it('a stale copy of the claimable index is harmless: a task listed there but taken or blocked is never handed out', async () => {
    const project = await createProject(api);
    const taken = await createTask(api, project.id, { priority: 100 });
    const free = await createTask(api, project.id, { priority: 10 });
    const blocked = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Blocked', priority: 100, dependsOn: [free.id] }), 201);
    const first = await agent();
    expect((await first.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(taken.id);
    forgetCandidates();
    // The index lags: it still lists the taken task and the blocked one, ahead of the free one.
    const name = `lagging-index-${Math.random()}`;
    documentClient().middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const input = args.input as { IndexName?: string };
        const output = result.output as { Items?: Array<Record<string, unknown>> };
        if (input.IndexName === 'projectBacklog' && output.Items) {
          const stale = [taken, blocked].map((task) => ({ pk: `TASK#${task.id}`, sk: 'TASK', projectBacklogPk: `READY#${project.id}`, projectBacklogSk: `000#${task.id}` }));
          output.Items = [...stale, ...output.Items];
        }
        return result;
      },
      { step: 'initialize', name },
    );
    cleanups.push(() => documentClient().middlewareStack.remove(name));
    const second = await agent();
    expect((await second.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(free.id);
    expect(ok(await api.get(`/api/tasks/${taken.id}`)).assignedAgentId).toBe(first.agent.id);
    expect(ok(await api.get(`/api/tasks/${blocked.id}`))).toMatchObject({ state: 'backlog', openDependencies: 1 });
  });
});
