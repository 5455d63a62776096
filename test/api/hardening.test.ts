/**
 * Writes without a version never fail because of other writers; DELETE takes its version one way and
 * refuses the other; names that reach Gitea follow Gitea's and git's rules (issue 9, classes 4 and 5); a
 * request body is read only after the caller and the query are checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { assignTask } from '../helpers/assign.js';
import { startTestRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

describe('writes without a version', () => {
  it('20 concurrent PATCHes of one task without a version all succeed, and none is lost', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api.patch(`/api/tasks/${task.id}`, { description: `writer ${i}`, priority: i })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(ok(await api.get(`/api/tasks/${task.id}`)).version).toBe(21);
  });

  it('the same for projects and agents', async () => {
    const project = await createProject(api);
    const agent = await registerAgent(api);
    const answers = await Promise.all([
      ...Array.from({ length: 15 }, (_, i) => api.patch(`/api/projects/${project.id}`, { description: `p${i}` })),
      ...Array.from({ length: 15 }, (_, i) => api.patch(`/api/agents/${agent.id}`, { name: `a${i}` })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
  });

  it('tasks created in one project at once all land, and its task count follows', async () => {
    const project = await createProject(api);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api.post('/api/tasks', { projectId: project.id, title: `t${i}` })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    await Promise.all(answers.map((answer) => api.delete(`/api/tasks/${answer.body.data.id}`)));
    ok(await api.delete(`/api/projects/${project.id}`));
  });

  it('a PATCH of a project while tasks are created in it never loses the tasks’ count (the project can only go once they are gone)', async () => {
    const project = await createProject(api);
    const [tasks, patches] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, (_, i) => createTask(api, project.id, { title: `c${i}` }))),
      Promise.all(Array.from({ length: 8 }, (_, i) => api.patch(`/api/projects/${project.id}`, { name: `renamed ${i}` }))),
    ]);
    expect(patches.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    for (const task of tasks.slice(1)) ok(await api.delete(`/api/tasks/${task.id}`));
    expectError(await api.delete(`/api/projects/${project.id}`), 409, 'CONFLICT', /still has tasks/);
    ok(await api.delete(`/api/tasks/${tasks[0].id}`));
    ok(await api.delete(`/api/projects/${project.id}`));
  });
});

describe('DELETE and its version', () => {
  it('takes ?version=; a stale one is 409 and nothing is deleted', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    ok(await api.patch(`/api/tasks/${task.id}`, { priority: 1 }));
    expectError(await api.delete(`/api/tasks/${task.id}?version=1`), 409, 'VERSION_CONFLICT');
    ok(await api.get(`/api/tasks/${task.id}`));
    ok(await api.delete(`/api/tasks/${task.id}?version=2`));
  });

  it('refuses a version in the body, saying where it goes, and deletes nothing', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const agent = await registerAgent(api);
    for (const path of [`/api/tasks/${task.id}`, `/api/projects/${project.id}`, `/api/agents/${agent.id}`]) {
      const answer = await api.call('DELETE', path, { version: 1 });
      expectError(answer, 400, 'VALIDATION_ERROR', /takes no request body.*\?version=N/);
      expect((await api.get(path)).status).toBe(200);
    }
  });
});

describe('the request body', () => {
  const json = { 'content-type': 'application/json' };

  it('is read last: no token is a 401 and a bad query a 400 about the query, whatever the body; nothing is written', async () => {
    const project = await createProject(api);
    const bodies: Array<[Record<string, string>, string]> = [
      [json, '{"title":'], // malformed
      [json, ''], // empty
      [{ 'content-type': 'text/plain' }, 'title=x'], // not JSON
      [json, JSON.stringify({ projectId: project.id, title: 'x', description: 'x'.repeat(1024 * 1024) })], // over 1 MiB
    ];
    const anonymous = apiClient(runtime.url);
    for (const [headers, raw] of bodies) {
      expectError(await anonymous.post('/api/tasks', undefined, { headers, raw }), 401, 'UNAUTHORIZED');
      expectError(await api.post('/api/tasks?colour=red', undefined, { headers, raw }), 400, 'VALIDATION_ERROR', /unknown query parameter: colour/);
    }
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}`))).toEqual([]);
  });

  it("takes '{}' as no body where an operation takes none, and still refuses a non-empty one, changing nothing", async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const agent = await registerAgent(api);
    await assignTask(task.id, agent.id);
    for (const raw of ['{"branch":"x"}', '[]', 'null']) {
      expectError(await api.post(`/api/tasks/${task.id}/branch`, undefined, { headers: json, raw }), 400, 'VALIDATION_ERROR', /takes no request body/);
    }
    expect(ok(await api.get(`/api/tasks/${task.id}/jobs`))).toEqual([]);
    for (const raw of ['{}', ' { }\n']) {
      expect(ok(await api.post(`/api/tasks/${task.id}/branch`, undefined, { headers: json, raw }), 202)).toMatchObject({ type: 'create_branch', taskId: task.id });
    }
    const other = await createTask(api, project.id);
    expect((await api.call('DELETE', `/api/tasks/${other.id}`, {})).status).toBe(200);
    expect((await api.get(`/api/tasks/${other.id}`)).status).toBe(404);
  });

  it('takes the JSON media type however it is spelled', async () => {
    const project = await createProject(api);
    for (const contentType of ['Application/JSON', 'application/json ; charset=utf-8', 'application/vnd.api+json']) {
      const raw = JSON.stringify({ projectId: project.id, title: contentType });
      expect(ok(await api.post('/api/tasks', undefined, { headers: { 'content-type': contentType }, raw }), 201).title).toBe(contentType);
    }
  });
});

describe('names that reach Gitea', () => {
  const base = { name: 'Names', giteaOwner: 'acme', giteaRepo: 'shop' };
  const refused: Array<[string, Record<string, unknown>]> = [
    ['repo ".."', { giteaRepo: '..' }],
    ['repo "."', { giteaRepo: '.' }],
    ['repo "-"', { giteaRepo: '-' }],
    ['repo with ".."', { giteaRepo: 'a..b' }],
    ['repo ending .git', { giteaRepo: 'shop.git' }],
    ['repo with a slash', { giteaRepo: 'a/b' }],
    ['repo of 101 characters', { giteaRepo: 'r'.repeat(101) }],
    ['owner ".."', { giteaOwner: '..' }],
    ['owner starting with "."', { giteaOwner: '.acme' }],
    ['owner with "--"', { giteaOwner: 'ac--me' }],
    ['owner ending with "-"', { giteaOwner: 'acme-' }],
    ['owner reserved by Gitea', { giteaOwner: 'api' }],
    ['owner of 41 characters', { giteaOwner: 'o'.repeat(41) }],
    ['branch with ".."', { defaultBranch: 'main..x' }],
    ['branch ending ".lock"', { defaultBranch: 'main.lock' }],
    ['branch starting "-"', { defaultBranch: '-main' }],
    ['branch part starting "."', { defaultBranch: 'release/.hidden' }],
    ['branch with "//"', { defaultBranch: 'a//b' }],
    ['branch ending "/"', { defaultBranch: 'main/' }],
    ['branch "@"', { defaultBranch: '@' }],
    ['branch with "@{"', { defaultBranch: 'a@{b' }],
    ['branch with a space', { defaultBranch: 'my branch' }],
    ['branch with "~"', { defaultBranch: 'a~1' }],
  ];
  it.each(refused)('refuses %s with a 400 naming the field, on create and on update, and writes nothing', async (_what, fields) => {
    const before = (ok(await api.get('/api/projects?limit=100')) as unknown[]).length;
    const answer = await api.post('/api/projects', { ...base, ...fields });
    expectError(answer, 400, 'VALIDATION_ERROR', new RegExp(Object.keys(fields)[0]));
    expect((ok(await api.get('/api/projects?limit=100')) as unknown[]).length).toBe(before);
    const project = await createProject(api);
    expectError(await api.patch(`/api/projects/${project.id}`, fields), 400, 'VALIDATION_ERROR');
    expect(ok(await api.get(`/api/projects/${project.id}`)).version).toBe(1);
  });

  it('accepts what Gitea and git accept', async () => {
    for (const fields of [
      { giteaOwner: 'my-org.team_1', giteaRepo: 'web.site-v2_x' },
      { giteaRepo: '.dotfiles' },
      { defaultBranch: 'release/2024.1' },
      { defaultBranch: 'feature/ünïcode' },
    ]) {
      expect((await api.post('/api/projects', { ...base, ...fields })).status, JSON.stringify(fields)).toBe(201);
    }
  });
});
