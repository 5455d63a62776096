import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { expectError } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { injectDynamoFaults, isTransactionWrite, transactionConflict } from '../fault/helpers.js';
import { admin, newAgent, ok, type AgentClient } from './mcp-client.js';

/**
 * Dependencies that change after creation: a dependency cancelled or deleted releases the tasks waiting for
 * it, a parent's delete clears its subtasks' parentId, and dependsOn can be edited (no cycles), with the
 * count of open dependencies right while dependencies finish at the same moment.
 */
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

const ids = (tasks: Array<{ id: string }>) => tasks.map((task) => task.id);
const events = async (id: string) => ok<Array<{ type: string; actor?: string; message: string }>>(await api.get(`/api/tasks/${id}/events?limit=100`));
const get = async (id: string) => ok(await api.get(`/api/tasks/${id}`));
const ready = async (projectId: string) => ids(ok(await api.get(`/api/tasks?projectId=${projectId}&ready=true`)));

/** Moves a backlog task to ready_to_test the way a person may (REST), so that approving it is one PATCH. */
async function inReview(id: string) {
  ok(await api.patch(`/api/tasks/${id}`, { state: 'in_progress' }));
  ok(await api.patch(`/api/tasks/${id}`, { state: 'ready_to_test' }));
}
const approve = (id: string) => api.patch(`/api/tasks/${id}`, { state: 'approved' });

describe('a dependency cancelled or deleted releases the tasks waiting for it', () => {
  it('cancelled: the task no longer waits for it (event says so) and can be claimed; reopening it blocks nothing again', async () => {
    const project = await createProject(api);
    const a = await createTask(api, project.id, { title: 'A' });
    const b = await createTask(api, project.id, { title: 'B' });
    const x = ok(await api.post('/api/tasks', { projectId: project.id, title: 'X', priority: 90, dependsOn: [a.id, b.id] }), 201);
    ok(await api.patch(`/api/tasks/${a.id}`, { state: 'cancelled' }));
    expect(await get(x.id)).toMatchObject({ state: 'backlog', dependsOn: [b.id], openDependencies: 1 });
    expect((await events(x.id)).at(-1)).toMatchObject({ type: 'dependency_released', actor: 'admin', message: expect.stringMatching(new RegExp(`cancelled task ${a.id} \\('A'\\).*no longer waits for it$`)) });

    ok(await api.patch(`/api/tasks/${b.id}`, { state: 'cancelled' }));
    const released = await get(x.id);
    expect(released).toMatchObject({ state: 'backlog', openDependencies: 0 });
    expect(released.dependsOn).toBeUndefined();
    expect((await events(x.id)).at(-1)?.message).toMatch(/can be claimed now/);
    expect(await ready(project.id)).toEqual([x.id]);

    ok(await api.patch(`/api/tasks/${a.id}`, { state: 'backlog' }));
    expect(await get(x.id)).toMatchObject({ openDependencies: 0 });
    const worker = await newAgent(runtime);
    clients.push(worker);
    expect((await worker.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(x.id);
  });

  it('deleted: open or done, it leaves dependsOn (counted right) and its subtasks lose parentId, with an event each', async () => {
    const project = await createProject(api);
    const parent = await createTask(api, project.id, { title: 'Parent' });
    const open = await createTask(api, project.id, { title: 'Open' });
    const done = await createTask(api, project.id, { title: 'Done' });
    await inReview(done.id);
    ok(await approve(done.id));
    const x = ok(await api.post('/api/tasks', { projectId: project.id, title: 'X', parentId: parent.id, dependsOn: [parent.id, open.id, done.id] }), 201);
    expect(x).toMatchObject({ openDependencies: 2 });
    const child = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Child', parentId: parent.id }), 201);

    ok(await api.delete(`/api/tasks/${done.id}`));
    expect(await get(x.id)).toMatchObject({ dependsOn: [parent.id, open.id], openDependencies: 2, parentId: parent.id });

    ok(await api.delete(`/api/tasks/${parent.id}`));
    const afterParent = await get(x.id);
    expect(afterParent).toMatchObject({ dependsOn: [open.id], openDependencies: 1 });
    expect(afterParent.parentId).toBeUndefined();
    expect((await get(child.id)).parentId).toBeUndefined();
    expect((await events(child.id)).at(-1)).toMatchObject({ type: 'dependency_released', message: expect.stringMatching(/deleted task .*its parent: is no longer a subtask/) });
    expect((await events(x.id)).at(-1)?.message).toMatch(/deleted task .*no longer waits for it\. It is no longer a subtask of it either/);

    ok(await api.delete(`/api/tasks/${open.id}`));
    const free = await get(x.id);
    expect(free).toMatchObject({ openDependencies: 0, state: 'backlog' });
    expect(free.dependsOn).toBeUndefined();
    expect(await ready(project.id)).toEqual(expect.arrayContaining([x.id, child.id]));
  });
});

describe('dependsOn is editable', () => {
  it('adds and removes dependencies, counted right; a removed one finishing counts nothing, an added one counts', async () => {
    const project = await createProject(api);
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((title) => createTask(api, project.id, { title })));
    await inReview(c.id);
    ok(await approve(c.id));
    const x = await createTask(api, project.id, { title: 'X' });
    expect(await ready(project.id)).toContain(x.id);

    expect(ok(await api.patch(`/api/tasks/${x.id}`, { dependsOn: [a.id, b.id, c.id] }))).toMatchObject({ dependsOn: [a.id, b.id, c.id], openDependencies: 2 });
    expect(await ready(project.id)).not.toContain(x.id);
    expect((await events(x.id)).at(-1)).toMatchObject({ type: 'edited', actor: 'admin', message: expect.stringMatching(/dependsOn.*waits for 2 unfinished dependencies/) });

    ok(await api.patch(`/api/tasks/${x.id}`, { dependsOn: [b.id, c.id] }));
    await inReview(a.id);
    ok(await approve(a.id));
    expect(await get(x.id)).toMatchObject({ openDependencies: 1 });
    await inReview(b.id);
    ok(await approve(b.id));
    expect(await get(x.id)).toMatchObject({ openDependencies: 0, dependsOn: [b.id, c.id] });
    expect((await events(x.id)).filter((event) => event.type === 'ready')).toHaveLength(1);
    expect(await ready(project.id)).toContain(x.id);

    const cleared = ok(await api.patch(`/api/tasks/${x.id}`, { dependsOn: [] }));
    expect(cleared.dependsOn).toBeUndefined();
    expect(cleared.openDependencies).toBe(0);
  });

  it('refuses a cycle with a 400 naming it, and bad ids as at creation, writing nothing', async () => {
    const project = await createProject(api);
    const other = await createProject(api);
    const a = await createTask(api, project.id, { title: 'A' });
    const b = ok(await api.post('/api/tasks', { projectId: project.id, title: 'B', dependsOn: [a.id] }), 201);
    const c = ok(await api.post('/api/tasks', { projectId: project.id, title: 'C', dependsOn: [b.id] }), 201);
    const theirs = await createTask(api, other.id);
    const cancelled = await createTask(api, project.id);
    ok(await api.patch(`/api/tasks/${cancelled.id}`, { state: 'cancelled' }));
    const versions = { a: (await get(a.id)).version, c: (await get(c.id)).version };

    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: [c.id] }), 400, 'VALIDATION_ERROR', new RegExp(`cycle: ${a.id} → ${c.id} → ${b.id} → ${a.id}`));
    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: [a.id] }), 400, 'VALIDATION_ERROR', /itself/);
    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: ['no-such-task'] }), 400, 'VALIDATION_ERROR', /no-such-task/);
    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: [theirs.id] }), 400, 'VALIDATION_ERROR', /another project/);
    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: [cancelled.id] }), 400, 'VALIDATION_ERROR', /cancelled/);
    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: [b.id, b.id] }), 400, 'VALIDATION_ERROR', /twice/);
    const many = await Promise.all(Array.from({ length: 21 }, () => createTask(api, project.id)));
    expectError(await api.patch(`/api/tasks/${a.id}`, { dependsOn: ids(many) }), 400, 'VALIDATION_ERROR');
    expect(await get(a.id)).toMatchObject({ version: versions.a });
    expect((await get(a.id)).dependsOn).toBeUndefined();
    expect(await get(c.id)).toMatchObject({ version: versions.c, openDependencies: 1 });
  });

  it('edits that together would close a cycle: one is refused, the graph stays acyclic', async () => {
    const project = await createProject(api);
    const tasks = await Promise.all(['A', 'B', 'C', 'D'].map((title) => createTask(api, project.id, { title })));
    // A→B, B→C, C→D, D→A at once: each fine alone, a cycle together.
    const answers = await Promise.all(tasks.map((task, i) => api.patch(`/api/tasks/${task.id}`, { dependsOn: [tasks[(i + 1) % 4].id] })));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 200, 400]);
    expect(answers.find((answer) => answer.status === 400)?.body.error.message).toMatch(/cycle/);
  });

  it('the open count stays right when dependencies finish during the edit, also when transactions conflict', async () => {
    for (const conflicts of [0, 3]) {
      const project = await createProject(api);
      const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((title) => createTask(api, project.id, { title })));
      const x = ok(await api.post('/api/tasks', { projectId: project.id, title: 'X', dependsOn: [a.id, b.id] }), 201);
      await Promise.all([inReview(a.id), inReview(b.id)]);
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
      // A and B finish while X drops A and takes C (open).
      const answers = await Promise.all([approve(a.id), approve(b.id), api.patch(`/api/tasks/${x.id}`, { dependsOn: [b.id, c.id] })]);
      faults.stop();
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(await get(x.id)).toMatchObject({ dependsOn: [b.id, c.id], openDependencies: 1, state: 'backlog' });
      expect(await ready(project.id)).not.toContain(x.id);
      await inReview(c.id);
      ok(await approve(c.id));
      expect(await get(x.id)).toMatchObject({ openDependencies: 0 });
      // Ready once C is done (and, if A and B both finished before the edit took C, once before that too).
      const readies = (await events(x.id)).filter((event) => event.type === 'ready');
      expect(readies.length).toBeGreaterThanOrEqual(1);
      expect(readies.length).toBeLessThanOrEqual(2);
      expect(readies.at(-1)?.message).toContain(c.id);
      expect(await ready(project.id)).toContain(x.id);
    }
  });
});
