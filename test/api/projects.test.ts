import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

describe('projects', () => {
  it('creates a project with defaults and reads it back', async () => {
    const created = await createProject(api, { name: 'Shop', description: 'The shop', giteaOwner: 'acme', giteaRepo: 'shop' });
    expect(created).toMatchObject({ name: 'Shop', description: 'The shop', giteaOwner: 'acme', giteaRepo: 'shop', defaultBranch: 'main', version: 1 });
    expect(created.id).toEqual(expect.any(String));
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    expect(ok(await api.get(`/api/projects/${created.id}`))).toEqual(created);
  });

  it('lists projects page by page with limit and cursor', async () => {
    const fresh = apiClient(runtime.url, runtime.adminToken);
    const before = ok(await fresh.get('/api/projects?limit=100')).length;
    for (let i = 0; i < 5; i++) await createProject(api);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await api.get(`/api/projects?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.count).toBe(response.body.data.length);
      expect(response.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.data.map((project: { id: string }) => project.id));
      cursor = response.body.cursor;
      pages++;
    } while (cursor);
    expect(seen.length).toBe(before + 5);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('updates fields, bumps the version, and refuses a stale version with 409', async () => {
    const project = await createProject(api);
    const updated = ok(await api.patch(`/api/projects/${project.id}`, { name: 'Renamed', defaultBranch: 'develop', version: 1 }));
    expect(updated).toMatchObject({ name: 'Renamed', defaultBranch: 'develop', version: 2 });
    const stale = await api.patch(`/api/projects/${project.id}`, { name: 'Lost', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    expect(ok(await api.get(`/api/projects/${project.id}`)).name).toBe('Renamed');
  });

  it('deletes a project, and refuses while it still has tasks', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const refused = await api.delete(`/api/projects/${project.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/still has tasks/);
    ok(await api.delete(`/api/tasks/${task.id}`));
    expect(ok(await api.delete(`/api/projects/${project.id}`)).id).toBe(project.id);
    expect((await api.get(`/api/projects/${project.id}`)).status).toBe(404);
  });

  it('rejects bad input with 4xx and a message, writing nothing', async () => {
    const before = ok(await api.get('/api/projects?limit=100')).length;
    const cases: Array<[number, string, () => Promise<{ status: number; body: any }>, RegExp]> = [
      [400, 'INVALID_JSON', () => api.post('/api/projects', undefined, { headers: { 'content-type': 'application/json' }, raw: '{"name":' }), /not valid JSON/],
      [415, 'UNSUPPORTED_MEDIA_TYPE', () => api.post('/api/projects', undefined, { headers: { 'content-type': 'text/plain' }, raw: 'name=x' }), /Content-Type: application\/json/],
      [413, 'PAYLOAD_TOO_LARGE', () => api.post('/api/projects', { name: 'x'.repeat(1024 * 1024 + 10), giteaOwner: 'a', giteaRepo: 'b' }), /limit is 1048576 bytes/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/projects', { name: 'x', giteaOwner: 'a', giteaRepo: 'b', extra: true }), /unknown body field: extra/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/projects', { name: 42, giteaOwner: 'a', giteaRepo: 'b' }), /'name'.*expected string/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/projects', { giteaOwner: 'a', giteaRepo: 'b' }), /'name'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/projects', [1, 2]), /expected object/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/projects?limit=0'), /'limit'/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/projects?colour=red'), /unknown query parameter: colour/],
      [400, 'INVALID_CURSOR', () => api.get('/api/projects?cursor=not-a-cursor'), /cursor/],
      [404, 'NOT_FOUND', () => api.get('/api/projects/does-not-exist'), /'does-not-exist' was not found/],
      [404, 'NOT_FOUND', () => api.patch('/api/projects/does-not-exist', { name: 'x' }), /was not found/],
      [400, 'VALIDATION_ERROR', () => api.patch('/api/projects/does-not-exist', {}), /at least one field/],
      [404, 'NOT_FOUND', () => api.delete('/api/projects/does-not-exist'), /was not found/],
    ];
    for (const [status, code, send, message] of cases) {
      expectError(await send(), status, code, message);
    }
    expect(ok(await api.get('/api/projects?limit=100')).length).toBe(before);
  });
});
