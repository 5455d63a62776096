import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, expectError, ok, type ApiClient, type ApiResponse } from '../helpers/http.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { assignTask, expireLease } from '../helpers/assign.js';
import { deployedUnderTest, startTestRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

interface Task {
  id: string;
  projectId: string;
  title: string;
  priority: number;
  state: string;
  createdAt: string;
  version: number;
  [key: string]: unknown;
}

/** Every item of a list, page by page; checks each page's count and that no page is empty unless it is the only one. */
async function listAll(path: string, limit: number): Promise<{ items: Task[]; pages: number }> {
  const items: Task[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response = await api.get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.count).toBe(response.body.data.length);
    expect(response.body.data.length).toBeLessThanOrEqual(limit);
    if (response.body.cursor) expect(response.body.data.length).toBe(limit);
    items.push(...response.body.data);
    cursor = response.body.cursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

const ids = (tasks: Array<{ id: string }>) => tasks.map((task) => task.id);

function expectRanked(tasks: Task[]) {
  for (let i = 1; i < tasks.length; i++) {
    const [a, b] = [tasks[i - 1], tasks[i]];
    const inOrder = a.priority > b.priority || (a.priority === b.priority && a.createdAt <= b.createdAt);
    expect(inOrder, `${a.title}(${a.priority}, ${a.createdAt}) before ${b.title}(${b.priority}, ${b.createdAt})`).toBe(true);
  }
}

const patch = (task: { id: string }, body: Record<string, unknown>) => api.patch(`/api/tasks/${task.id}`, body);
const read = async (task: { id: string }): Promise<Task> => ok(await api.get(`/api/tasks/${task.id}`));
const events = async (task: { id: string }) => ok<Array<{ type: string; from?: string; to?: string; message: string }>>(await api.get(`/api/tasks/${task.id}/events?limit=100`));

describe('creating and reading tasks', () => {
  it('creates a task in backlog with priority 50 and reads it back', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id, { title: 'Add login', description: 'With OAuth' });
    expect(task).toMatchObject({ projectId: project.id, title: 'Add login', description: 'With OAuth', priority: 50, state: 'backlog', version: 1 });
    expect(task.id).toEqual(expect.any(String));
    expect(new Date(task.createdAt).toISOString()).toBe(task.createdAt);
    expect(task.updatedAt).toBe(task.createdAt);
    expect(task).not.toHaveProperty('assignedAgentId');
    expect(await read(task)).toEqual(task);
    expect(await events(task)).toEqual([expect.objectContaining({ type: 'created', to: 'backlog' })]);
  });

  it('keeps an explicit priority, 0 and 100 included', async () => {
    const project = await createProject(api);
    expect((await createTask(api, project.id, { priority: 0 })).priority).toBe(0);
    expect((await createTask(api, project.id, { priority: 100 })).priority).toBe(100);
  });

  it('refuses a task for a project that does not exist, and creates nothing', async () => {
    const before = ids(ok(await api.get('/api/tasks?limit=100')));
    const response = await api.post('/api/tasks', { projectId: 'no-such-project', title: 'Orphan' });
    expectError(response, 404, 'NOT_FOUND', /Project 'no-such-project' was not found/);
    expect(ids(ok(await api.get('/api/tasks?limit=100')))).toEqual(before);
  });
});

// Tests that put tasks in an agent's hands through core (assignTask, expireLease) need the runtime's own
// process and table: they skip against a deployed system (`npm run test:e2e`).
describe.skipIf(deployedUnderTest)('listing tasks', () => {
  let project: { id: string };
  let other: { id: string };
  let agent: { id: string };
  let otherAgent: { id: string };
  let reviewAgent: { id: string };
  const priorities = [10, 90, 50, 90, 50, 0, 100, 50];

  beforeAll(async () => {
    project = await createProject(api);
    other = await createProject(api);
    for (const [index, priority] of priorities.entries()) await createTask(api, project.id, { title: `p${index}`, priority });
    for (const priority of [70, 20, 70]) await createTask(api, other.id, { priority });
    agent = await registerAgent(api);
    otherAgent = await registerAgent(api);
    // One task of each project in progress with `agent`, one with `otherAgent`; one ready to test.
    const projectTasks: Task[] = ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`));
    const otherTasks: Task[] = ok(await api.get(`/api/tasks?projectId=${other.id}&limit=100`));
    await assignTask(projectTasks[0].id, agent.id);
    await assignTask(otherTasks[0].id, otherAgent.id);
    // A task handed on to review keeps its assignee.
    reviewAgent = await registerAgent(api);
    await assignTask(projectTasks[1].id, reviewAgent.id);
    ok(await patch(projectTasks[1], { state: 'ready_to_test' }));
  });

  it('lists a project’s tasks oldest first, page by page without duplicates or gaps', async () => {
    const full: Task[] = ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`));
    expect(full.map((task) => task.title)).toEqual(priorities.map((_, index) => `p${index}`));
    for (const limit of [1, 3, 8]) {
      const { items, pages } = await listAll(`/api/tasks?projectId=${project.id}`, limit);
      expect(ids(items)).toEqual(ids(full));
      expect(pages).toBe(Math.ceil(full.length / limit));
    }
  });

  it('lists tasks by state highest priority first, then oldest, across pages', async () => {
    const full: Task[] = ok(await api.get('/api/tasks?state=backlog&limit=100'));
    expect(full.every((task) => task.state === 'backlog')).toBe(true);
    expectRanked(full);
    const mine = full.filter((task) => task.projectId === project.id).map((task) => task.title);
    // p0 is in progress and p1 in review; of the rest p2, p4, p7 share 50 and keep their age order.
    expect(mine).toEqual(['p6', 'p3', 'p2', 'p4', 'p7', 'p5']);
    const { items } = await listAll('/api/tasks?state=backlog', 2);
    expect(ids(items)).toEqual(ids(full));
  });

  it('combines projectId and state, ranked', async () => {
    const { items } = await listAll(`/api/tasks?projectId=${project.id}&state=backlog`, 2);
    expect(items.map((task) => task.title)).toEqual(['p6', 'p3', 'p2', 'p4', 'p7', 'p5']);
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&state=in_progress`)).map((task: Task) => task.title)).toEqual(['p0']);
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&state=ready_to_test`)).map((task: Task) => task.title)).toEqual(['p1']);
    expect(ok(await api.get(`/api/tasks?projectId=${other.id}&state=ready_to_test`))).toEqual([]);
  });

  it('filters by assignedAgentId, alone and with projectId and state', async () => {
    const byAgent: Task[] = ok(await api.get(`/api/tasks?assignedAgentId=${agent.id}`));
    expect(byAgent.map((task) => task.title)).toEqual(['p0']);
    expect(byAgent[0]).toMatchObject({ assignedAgentId: agent.id, state: 'in_progress' });
    expect(ok(await api.get(`/api/tasks?assignedAgentId=${agent.id}&projectId=${project.id}`)).length).toBe(1);
    expect(ok(await api.get(`/api/tasks?assignedAgentId=${agent.id}&projectId=${other.id}`))).toEqual([]);
    expect(ok(await api.get(`/api/tasks?assignedAgentId=${agent.id}&state=in_progress`)).length).toBe(1);
    expect(ok(await api.get(`/api/tasks?assignedAgentId=${agent.id}&state=backlog`))).toEqual([]);
    expect(ok(await api.get(`/api/tasks?assignedAgentId=${otherAgent.id}&projectId=${other.id}&state=in_progress`)).length).toBe(1);
    const review: Task[] = ok(await api.get(`/api/tasks?assignedAgentId=${reviewAgent.id}&state=ready_to_test&projectId=${project.id}`));
    expect(review.map((task) => task.title)).toEqual(['p1']);
    expect(ok(await api.get('/api/tasks?assignedAgentId=nobody'))).toEqual([]);
  });

  it('pages a filtered assignee list without gaps even when filters thin the pages', async () => {
    const busy = await registerAgent(api);
    const proj = await createProject(api);
    // Agents hold one task at a time, so give the agent tasks one after another.
    const held: string[] = [];
    for (let i = 0; i < 5; i++) {
      const task = await createTask(api, proj.id, { title: `held-${i}` });
      await assignTask(task.id, busy.id);
      ok(await patch(task, { state: i % 2 === 0 ? 'ready_to_test' : 'cancelled' }));
      held.push(task.id);
    }
    const all = await listAll(`/api/tasks?assignedAgentId=${busy.id}`, 2);
    expect(ids(all.items)).toEqual(held);
    const reviewed = await listAll(`/api/tasks?assignedAgentId=${busy.id}&state=ready_to_test`, 1);
    expect(ids(reviewed.items)).toEqual([held[0], held[2], held[4]]);
  });

  it('lists every task, oldest first, across pages', async () => {
    const full: Task[] = ok(await api.get('/api/tasks?limit=100'));
    const { items } = await listAll('/api/tasks', 3);
    expect(ids(items)).toEqual(ids(full));
    expect(new Set(ids(items)).size).toBe(items.length);
    const created = items.map((task) => task.createdAt);
    expect([...created].sort()).toEqual(created);
  });

  it('refuses a cursor from another list', async () => {
    const first = await api.get(`/api/tasks?projectId=${project.id}&limit=1`);
    expect(first.body.cursor).toEqual(expect.any(String));
    expectError(await api.get(`/api/tasks?state=backlog&limit=1&cursor=${first.body.cursor}`), 400, 'INVALID_CURSOR');
    expectError(await api.get(`/api/tasks?projectId=${other.id}&limit=1&cursor=${first.body.cursor}`), 400, 'INVALID_CURSOR');
  });
});

describe('changing tasks', () => {
  it('edits fields with and without a version, bumping the version each time', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const edited = ok(await patch(task, { title: 'Renamed', description: 'More detail', priority: 80, version: 1 }));
    expect(edited).toMatchObject({ title: 'Renamed', description: 'More detail', priority: 80, state: 'backlog', version: 2 });
    expect(edited.updatedAt >= task.updatedAt).toBe(true);
    expect(edited.createdAt).toBe(task.createdAt);
    const again = ok(await patch(task, { priority: 5 }));
    expect(again).toMatchObject({ title: 'Renamed', priority: 5, version: 3 });
    expect(await read(task)).toEqual(again);
    // The ranked lists follow the new priority.
    const ranked: Task[] = ok(await api.get(`/api/tasks?projectId=${project.id}&state=backlog`));
    expect(ranked.map((item) => item.priority)).toEqual([5]);
  });

  it('walks the main path backlog → … → production and records each step', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    let current = ok(await patch(task, { state: 'in_progress', version: 1 }));
    expect(current).toMatchObject({ state: 'in_progress', version: 2 });

    const noQuestion = await patch(task, { state: 'needs_input' });
    expectError(noQuestion, 400, 'VALIDATION_ERROR', /question/);
    expect(await read(task)).toEqual(current);

    current = ok(await patch(task, { state: 'needs_input', question: 'Which OAuth provider?' }));
    expect(current).toMatchObject({ state: 'needs_input', question: 'Which OAuth provider?', version: 3 });
    current = ok(await patch(task, { state: 'in_progress' }));
    expect(current.state).toBe('in_progress');
    expect(current).not.toHaveProperty('question');
    for (const state of ['ready_to_test', 'approved', 'staging', 'production']) {
      current = ok(await patch(task, { state, version: current.version }));
      expect(current.state).toBe(state);
    }
    expect(current.version).toBe(8);
    expect(await read(task)).toEqual(current);

    const history = await events(task);
    expect(history.map((event) => [event.type, event.from, event.to])).toEqual([
      ['created', undefined, 'backlog'],
      ['state_changed', 'backlog', 'in_progress'],
      ['state_changed', 'in_progress', 'needs_input'],
      ['state_changed', 'needs_input', 'in_progress'],
      ['state_changed', 'in_progress', 'ready_to_test'],
      ['state_changed', 'ready_to_test', 'approved'],
      ['state_changed', 'approved', 'staging'],
      ['state_changed', 'staging', 'production'],
    ]);
    // Events page like every list.
    const firstPage = await api.get(`/api/tasks/${task.id}/events?limit=5`);
    expect(firstPage.body.count).toBe(5);
    const secondPage = ok(await api.get(`/api/tasks/${task.id}/events?limit=5&cursor=${firstPage.body.cursor}`));
    expect([...firstPage.body.data, ...secondPage]).toEqual(history);
  });

  it('refuses illegal transitions with 409 INVALID_TRANSITION, the allowed list, and no change', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const illegal: Array<[string, string[]]> = [
      ['production', ['in_progress', 'cancelled']],
      ['ready_to_test', ['in_progress', 'cancelled']],
      ['needs_input', ['in_progress', 'cancelled']],
      ['staging', ['in_progress', 'cancelled']],
    ];
    for (const [to, allowed] of illegal) {
      const response = await patch(task, { state: to, title: 'Should not stick', ...(to === 'needs_input' ? { question: 'Why?' } : {}) });
      expectError(response, 409, 'INVALID_TRANSITION', new RegExp(`'backlog' cannot move to '${to}'`));
      expect(response.body.error.details).toEqual({ from: 'backlog', to, allowed });
    }
    expect(await read(task)).toEqual(task);
    expect(await events(task)).toHaveLength(1);

    // From the end of the line nothing is allowed.
    let current = task;
    for (const state of ['in_progress', 'ready_to_test', 'approved', 'staging', 'production']) current = ok(await patch(task, { state }));
    const stuck = await patch(task, { state: 'backlog' });
    expectError(stuck, 409, 'INVALID_TRANSITION', /allowed next states: none/);
    expect(stuck.body.error.details.allowed).toEqual([]);
    expect(await read(task)).toEqual(current);
  });

  it('answers a question with respond: only from needs_input', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);

    const early = await api.post(`/api/tasks/${task.id}/respond`, { response: 'Too early' });
    expectError(early, 409, 'CONFLICT', /not waiting for input/);
    expect(await read(task)).toEqual(task);

    ok(await patch(task, { state: 'in_progress' }));
    const waiting = ok(await patch(task, { state: 'needs_input', question: 'Postgres or DynamoDB?' }));
    const answered = ok(await api.post(`/api/tasks/${task.id}/respond`, { response: 'DynamoDB' }));
    expect(answered).toMatchObject({ state: 'in_progress', lastResponse: 'DynamoDB', version: waiting.version + 1 });
    expect(answered).not.toHaveProperty('question');
    expect(await read(task)).toEqual(answered);

    const twice = await api.post(`/api/tasks/${task.id}/respond`, { response: 'Again' });
    expectError(twice, 409, 'CONFLICT', /'in_progress'/);
    expect(await read(task)).toEqual(answered);

    const history = await events(task);
    expect(history.at(-1)).toMatchObject({ type: 'responded', from: 'needs_input', to: 'in_progress' });
    expect(history.at(-1)!.message).toMatch(/DynamoDB/);

    expectError(await api.post('/api/tasks/no-such-task/respond', { response: 'x' }), 404, 'NOT_FOUND');
  });

  it('deletes a task; it is gone from reads and lists', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    expectError(await api.delete(`/api/tasks/${task.id}?version=7`), 409, 'VERSION_CONFLICT');
    expect(await read(task)).toEqual(task);
    expect(ok(await api.delete(`/api/tasks/${task.id}?version=1`))).toEqual(task);
    expectError(await api.get(`/api/tasks/${task.id}`), 404, 'NOT_FOUND');
    expectError(await api.get(`/api/tasks/${task.id}/events`), 404, 'NOT_FOUND');
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}`))).toEqual([]);
    expect(ids(ok(await api.get('/api/tasks?state=backlog&limit=100')))).not.toContain(task.id);
    expectError(await api.delete(`/api/tasks/${task.id}`), 404, 'NOT_FOUND');
  });

  it.skipIf(deployedUnderTest)('deleting a task an agent holds frees the agent', async () => {
    const project = await createProject(api);
    const agent = await registerAgent(api);
    const task = await createTask(api, project.id);
    await assignTask(task.id, agent.id);
    expect(ok(await api.get(`/api/agents/${agent.id}`))).toMatchObject({ status: 'busy', currentTaskId: task.id });
    ok(await api.delete(`/api/tasks/${task.id}`));
    const freed = ok(await api.get(`/api/agents/${agent.id}`));
    expect(freed.status).toBe('idle');
    expect(freed).not.toHaveProperty('currentTaskId');
  });

  it.skipIf(deployedUnderTest)('moving a held task out of the agent’s hands frees the agent in the same change', async () => {
    const project = await createProject(api);
    const agent = await registerAgent(api);
    const task = await createTask(api, project.id);
    await assignTask(task.id, agent.id);
    ok(await patch(task, { state: 'needs_input', question: 'Stuck?' }));
    expect(ok(await api.get(`/api/agents/${agent.id}`)).status).toBe('busy');
    const reviewed = ok(await patch(task, { state: 'in_progress' }));
    expect(reviewed.assignedAgentId).toBe(agent.id);
    ok(await patch(task, { state: 'ready_to_test' }));
    const freed = ok(await api.get(`/api/agents/${agent.id}`));
    expect(freed.status).toBe('idle');
    expect(freed).not.toHaveProperty('currentTaskId');
  });
});

describe.skipIf(deployedUnderTest)('sending a task back for rework', () => {
  // Tasks are put in an agent's hands through core (assignTask, expireLease): not against a deployed system.
  const agentOf = async (agent: { id: string }) => ok(await api.get(`/api/agents/${agent.id}`));
  const lastEvent = async (task: { id: string }) => (await events(task)).at(-1);

  async function finishedBy(agent: { id: string }, project: { id: string }) {
    const task = await createTask(api, project.id);
    await assignTask(task.id, agent.id);
    return ok(await patch(task, { state: 'ready_to_test' }));
  }

  it('goes back to the agent that did the work when that agent is free: it holds the task again', async () => {
    const project = await createProject(api);
    const agent = await registerAgent(api);
    const task = await finishedBy(agent, project);
    expect(await agentOf(agent)).toMatchObject({ status: 'idle' });

    const back = ok(await patch(task, { state: 'in_progress', version: task.version }));
    expect(back).toMatchObject({ state: 'in_progress', assignedAgentId: agent.id, version: task.version + 1 });
    expect(await agentOf(agent)).toMatchObject({ status: 'busy', currentTaskId: task.id });
    expect(await lastEvent(task)).toMatchObject({ type: 'sent_back', from: 'ready_to_test', to: 'in_progress', message: expect.stringMatching(/holds it again/) });

    // The agent finishes again; approved and staging can send it back the same way.
    for (const from of ['approved', 'staging']) {
      ok(await patch(task, { state: 'ready_to_test' }));
      expect((await agentOf(agent)).status).toBe('idle');
      if (from === 'staging') ok(await patch(task, { state: 'approved' }));
      ok(await patch(task, { state: from }));
      expect(ok(await patch(task, { state: 'in_progress' }))).toMatchObject({ state: 'in_progress', assignedAgentId: agent.id });
      expect(await agentOf(agent)).toMatchObject({ status: 'busy', currentTaskId: task.id });
    }
  });

  it('goes to the backlog, unassigned, when its agent is busy with another task, offline or gone — and says why', async () => {
    const project = await createProject(api);
    const busy = await registerAgent(api);
    const sentBack = await finishedBy(busy, project);
    const current = await createTask(api, project.id);
    await assignTask(current.id, busy.id);
    const queued = ok(await patch(sentBack, { state: 'in_progress' }));
    expect(queued.state).toBe('backlog');
    expect(queued).not.toHaveProperty('assignedAgentId');
    expect(await agentOf(busy)).toMatchObject({ status: 'busy', currentTaskId: current.id });
    expect(await lastEvent(sentBack)).toMatchObject({ type: 'sent_back', from: 'ready_to_test', to: 'backlog', message: expect.stringMatching(new RegExp(`working on task ${current.id}`)) });

    const offline = await registerAgent(api);
    const ofOffline = await finishedBy(offline, project);
    const lapsed = await createTask(api, project.id);
    await assignTask(lapsed.id, offline.id);
    await expireLease(lapsed.id);
    expect((await agentOf(offline)).status).toBe('offline');
    ok(await patch(ofOffline, { state: 'approved' }));
    expect(ok(await patch(ofOffline, { state: 'in_progress' }))).toMatchObject({ state: 'backlog' });
    expect(await lastEvent(ofOffline)).toMatchObject({ from: 'approved', to: 'backlog', message: expect.stringMatching(/offline/) });
    expect((await agentOf(offline)).status).toBe('offline');

    const gone = await registerAgent(api);
    const ofGone = await finishedBy(gone, project);
    ok(await api.delete(`/api/agents/${gone.id}`));
    expect(ok(await patch(ofGone, { state: 'in_progress' }))).toMatchObject({ state: 'backlog' });
    expect(await lastEvent(ofGone)).toMatchObject({ message: expect.stringMatching(/no longer exists/) });
  });

  it('a task nobody was assigned moves as asked (a person works on it)', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    ok(await patch(task, { state: 'in_progress' }));
    ok(await patch(task, { state: 'ready_to_test' }));
    const back = ok(await patch(task, { state: 'in_progress' }));
    expect(back.state).toBe('in_progress');
    expect(back).not.toHaveProperty('assignedAgentId');
  });
});

describe('bad input for tasks', () => {
  it('gets a 4xx with a code and message, and nothing is written', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const before = ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`));
    const historyBefore = await events(task);
    const big = 'x'.repeat(1024 * 1024 + 10);
    const json = { 'content-type': 'application/json' };
    const cases: Array<[number, string, () => Promise<ApiResponse>, RegExp]> = [
      // create
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: 'x', priority: 101 }), /'priority'.*100/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: 'x', priority: -1 }), /'priority'.*0/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: 'x', priority: 'high' }), /'priority'.*expected number/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: 'x', priority: 1.5 }), /'priority'.*int/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: 'x', state: 'production' }), /unknown body field: state/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: 'x', colour: 'red', size: 3 }), /unknown body fields: colour, size/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: '' }), /'title'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id, title: '   ' }), /'title'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { projectId: project.id }), /'title'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', { title: 'x' }), /'projectId'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/tasks', 'just a string'), /expected object/],
      [415, 'UNSUPPORTED_MEDIA_TYPE', () => api.post('/api/tasks', undefined, { headers: { 'content-type': 'text/plain' }, raw: JSON.stringify({ projectId: project.id, title: 'x' }) }), /application\/json/],
      [415, 'UNSUPPORTED_MEDIA_TYPE', () => api.post('/api/tasks', undefined, { raw: Buffer.from(JSON.stringify({ projectId: project.id, title: 'x' })) }), /got 'none'/],
      [400, 'INVALID_JSON', () => api.post('/api/tasks', undefined, { headers: json, raw: `{"projectId":"${project.id}","title":` }), /not valid JSON/],
      [400, 'INVALID_JSON', () => api.post('/api/tasks', undefined, { headers: json, raw: '' }), /needs a JSON body/],
      [413, 'PAYLOAD_TOO_LARGE', () => api.post('/api/tasks', { projectId: project.id, title: 'x', description: big }), /1048576/],
      [404, 'NOT_FOUND', () => api.post('/api/tasks', { projectId: 'missing-project', title: 'x' }), /Project 'missing-project'/],
      // update
      [400, 'VALIDATION_ERROR', () => patch(task, { priority: 101 }), /'priority'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { priority: -1 }), /'priority'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { priority: 'high' }), /'priority'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { title: '' }), /'title'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { state: 'done' }), /'state'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { projectId: 'elsewhere' }), /unknown body field: projectId/],
      [400, 'VALIDATION_ERROR', () => patch(task, { assignedAgentId: 'someone' }), /unknown body field: assignedAgentId/],
      [400, 'VALIDATION_ERROR', () => patch(task, { title: 'x', version: 0 }), /'version'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { version: 1 }), /at least one field/],
      [400, 'VALIDATION_ERROR', () => patch(task, {}), /at least one field/],
      [415, 'UNSUPPORTED_MEDIA_TYPE', () => api.patch(`/api/tasks/${task.id}`, undefined, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: 'title=x' }), /application\/json/],
      [400, 'INVALID_JSON', () => api.patch(`/api/tasks/${task.id}`, undefined, { headers: json, raw: '{title: x}' }), /not valid JSON/],
      [413, 'PAYLOAD_TOO_LARGE', () => patch(task, { description: big }), /1048576/],
      [409, 'VERSION_CONFLICT', () => patch(task, { title: 'Stale', version: 2 }), /you sent version 2, current is 1/],
      [409, 'INVALID_TRANSITION', () => patch(task, { state: 'production' }), /allowed next states: in_progress, cancelled/],
      [400, 'VALIDATION_ERROR', () => patch(task, { question: 'Not waiting for input' }), /'question' goes only with state 'needs_input'.*'backlog'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { state: 'in_progress', question: 'Why?' }), /'question' goes only with state 'needs_input'/],
      [400, 'VALIDATION_ERROR', () => patch(task, { state: 'in_progress', priority: 500 }), /'priority'/],
      [404, 'NOT_FOUND', () => api.patch('/api/tasks/missing-task', { title: 'x' }), /Task 'missing-task' was not found/],
      // respond
      [400, 'VALIDATION_ERROR', () => api.post(`/api/tasks/${task.id}/respond`, {}), /'response'/],
      [400, 'VALIDATION_ERROR', () => api.post(`/api/tasks/${task.id}/respond`, { response: '' }), /'response'/],
      [400, 'VALIDATION_ERROR', () => api.post(`/api/tasks/${task.id}/respond`, { response: 'x', extra: 1 }), /unknown body field: extra/],
      [409, 'CONFLICT', () => api.post(`/api/tasks/${task.id}/respond`, { response: 'x' }), /needs_input/],
      // reads and deletes
      [404, 'NOT_FOUND', () => api.get('/api/tasks/missing-task'), /Task 'missing-task' was not found/],
      [404, 'NOT_FOUND', () => api.get('/api/tasks/missing-task/events'), /was not found/],
      [404, 'NOT_FOUND', () => api.delete('/api/tasks/missing-task'), /was not found/],
      [409, 'VERSION_CONFLICT', () => api.delete(`/api/tasks/${task.id}?version=3`), /current is 1/],
      [400, 'VALIDATION_ERROR', () => api.delete(`/api/tasks/${task.id}?version=abc`), /'version'/],
      // list queries
      [400, 'VALIDATION_ERROR', () => api.get('/api/tasks?state=done'), /'state'/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/tasks?limit=101'), /'limit'/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/tasks?limit=ten'), /'limit'/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/tasks?owner=me'), /unknown query parameter: owner/],
      [400, 'INVALID_CURSOR', () => api.get('/api/tasks?cursor=garbage'), /cursor/],
      [400, 'INVALID_CURSOR', () => api.get(`/api/tasks/${task.id}/events?cursor=${Buffer.from('{"pk":"TASK#x","sk":"EVENT#1"}').toString('base64url')}`), /cursor/],
    ];
    for (const [status, code, send, message] of cases) {
      expectError(await send(), status, code, message);
    }
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`))).toEqual(before);
    expect(await read(task)).toEqual(task);
    expect(await events(task)).toEqual(historyBefore);
  });
});
