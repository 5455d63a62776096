import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { expectError } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, connectAgent, ERAS, newAgent, ok, rawMcp } from './mcp-client.js';

/** MCP for people: personal tokens (REST) and, with one as the bearer, people's tools on /mcp. */
let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  api = admin(runtime);
});
afterAll(() => runtime?.stop());

const PEOPLE_TOOLS = ['answer_question', 'create_task', 'get_task', 'list_questions', 'list_tasks'];

describe('personal tokens', () => {
  it('are made once (shown once), listed without the secret, and revoked; bad input is a 400 that makes nothing', async () => {
    const made = await api.post('/api/people/tokens', { name: 'laptop Claude Code', scope: 'write' });
    const token = ok(made, 201);
    expect(token).toMatchObject({ id: expect.any(String), name: 'laptop Claude Code', scope: 'write', owner: 'admin', token: expect.stringMatching(/^aiwp_/) });

    for (const body of [{ name: 'x', scope: 'admin' }, { name: '', scope: 'read' }, { scope: 'read' }, { name: 'x', scope: 'read', owner: 'gitea:eve' }]) {
      expectError(await api.post('/api/people/tokens', body), 400, 'VALIDATION_ERROR');
    }
    const listed = ok(await api.get('/api/people/tokens'));
    expect(listed).toEqual([expect.objectContaining({ id: token.id, name: 'laptop Claude Code', scope: 'write', owner: 'admin' })]);
    expect(JSON.stringify(listed)).not.toContain(token.token.slice(-20));
    expect(JSON.stringify(listed)).not.toMatch(/tokenHash/);

    // The token works on /mcp until it is revoked; then it is a 401 like any unknown token.
    const person = await connectAgent(runtime, token.token, 'person', 'modern');
    await person.close();
    expect(ok(await api.delete(`/api/people/tokens/${token.id}`))).toMatchObject({ id: token.id });
    expect(ok(await api.get('/api/people/tokens'))).toEqual([]);
    expectError(await api.delete(`/api/people/tokens/${token.id}`), 404, 'NOT_FOUND');
    const refused = await rawMcp(runtime, { token: token.token, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), headers: { 'mcp-protocol-version': '2025-06-18' } });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/personal token/);
  });

  it('are for people: an agent token may not make one', async () => {
    const agent = await newAgent(runtime);
    const asAgent = admin({ ...runtime, adminToken: agent.token } as Runtime);
    expect((await asAgent.post('/api/people/tokens', { name: 'mine', scope: 'write' })).status).toBe(403);
    await agent.close();
  });
});

describe.each(ERAS)("people's tools over MCP (%s era)", (era) => {
  it('a person answers an agent’s question and files a task with dependencies and a parent, attributed to them', async () => {
    const project = await createProject(api);
    await createTask(api, project.id, { title: 'Add OAuth', priority: 90 });
    const agent = await newAgent(runtime, {}, era);
    const task = (await agent.call('get_next_task', { projectId: project.id })).structured.task;
    await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which OAuth provider?' });

    const { token } = ok(await api.post('/api/people/tokens', { name: `${era} client`, scope: 'write' }), 201);
    const person = await connectAgent(runtime, token, 'person', era);
    if (era === 'modern') expect(person.protocolVersion).toBe('2026-07-28');
    const { tools } = await person.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(PEOPLE_TOOLS);
    const hints = Object.fromEntries(tools.map((tool) => [tool.name, tool.annotations?.readOnlyHint]));
    expect(hints).toEqual({ list_questions: true, list_tasks: true, get_task: true, answer_question: false, create_task: false });

    const questions = await person.call('list_questions', { projectId: project.id });
    expect(questions.structured.tasks).toEqual([expect.objectContaining({ id: task.id, question: 'Which OAuth provider?', state: 'needs_input' })]);

    const answered = await person.call('answer_question', { taskId: task.id, answer: 'Gitea, through OAuth2' });
    expect(answered.isError, answered.text).toBe(false);
    expect(answered.structured.task).toMatchObject({ state: 'in_progress', lastResponse: 'Gitea, through OAuth2' });
    expect((await agent.call('get_task', { taskId: task.id })).structured.task.lastResponse).toBe('Gitea, through OAuth2');
    expect((await person.call('list_questions', { projectId: project.id })).structured.tasks).toEqual([]);
    // Answering twice is refused: the task no longer waits.
    const again = await person.call('answer_question', { taskId: task.id, answer: 'again' });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/needs_input/);

    const parent = await person.call('create_task', { projectId: project.id, title: 'Sign-in epic' });
    const filed = await person.call('create_task', { projectId: project.id, title: 'Sign-out button', dependsOn: [task.id], parentId: parent.structured.task.id });
    expect(filed.isError, filed.text).toBe(false);
    expect(filed.structured.task).toMatchObject({ state: 'backlog', dependsOn: [task.id], parentId: parent.structured.task.id });
    const listed = await person.call('list_tasks', { projectId: project.id, state: 'backlog' });
    expect(listed.structured.tasks.map((t: { id: string }) => t.id).sort()).toEqual([parent.structured.task.id, filed.structured.task.id].sort());
    expect((await person.call('get_task', { taskId: filed.structured.task.id })).structured.task.title).toBe('Sign-out button');

    const events = ok(await api.get(`/api/tasks/${task.id}/events`));
    expect(events.find((event: { type: string }) => event.type === 'responded')).toMatchObject({ actor: 'admin' });
    const filedEvents = ok(await api.get(`/api/tasks/${filed.structured.task.id}/events`));
    expect(filedEvents[0]).toMatchObject({ type: 'created', actor: 'admin' });
    await Promise.all([agent.close(), person.close()]);
  });

  it('a read token reads but may not answer or file; an agent token sees no people’s tools', async () => {
    const project = await createProject(api);
    const agent = await newAgent(runtime, {}, era);
    await createTask(api, project.id);
    const task = (await agent.call('get_next_task', { projectId: project.id })).structured.task;
    await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Tabs or spaces?' });

    const { token } = ok(await api.post('/api/people/tokens', { name: 'reader', scope: 'read' }), 201);
    const reader = await connectAgent(runtime, token, 'reader', era);
    expect((await reader.call('list_questions', { projectId: project.id })).structured.tasks).toHaveLength(1);
    const answer = await reader.call('answer_question', { taskId: task.id, answer: 'Tabs' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/scope 'write'/);
    const file = await reader.call('create_task', { projectId: project.id, title: 'Nope' });
    expect(file.isError).toBe(true);
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'needs_input', version: task.version + 1 });
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}`))).toHaveLength(1);

    const { tools } = await agent.client.listTools();
    expect(tools.map((tool) => tool.name)).not.toContain('list_questions');
    expect(tools.map((tool) => tool.name)).not.toContain('answer_question');
    const attempt = await agent.call('answer_question', { taskId: task.id, answer: 'Spaces' }).catch((error: Error) => ({ isError: true, text: error.message }));
    expect(attempt.isError).toBe(true);
    expect(ok(await api.get(`/api/tasks/${task.id}`)).state).toBe('needs_input');
    await Promise.all([agent.close(), reader.close()]);
  });
});
