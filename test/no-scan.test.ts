import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../infra/routes.js';
import { documentClient } from '../packages/core/src/db/client.js';
import type { Runtime } from '../packages/local/src/runtime.js';
import { apiClient, ok } from './helpers/http.js';
import { startTestRuntime } from './helpers/runtime.js';

/**
 * DESIGN.md: no Scan on any request path. Checked two ways: statically by the linter (biome.json's
 * noRestrictedImports: no Scan command is imported in functions/ or packages/), and here at run time by
 * recording every DynamoDB command while every endpoint is called.
 */


describe('no Scan: every endpoint, with every DynamoDB command recorded', () => {
  let runtime: Runtime;
  const commands = new Set<string>();

  beforeAll(async () => {
    runtime = await startTestRuntime();
    // Same process, same cached client the handlers use (the runtime set its endpoint in the environment).
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        commands.add(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'recordCommandsForNoScanTest' },
    );
  });
  afterAll(() => runtime?.stop());

  it('calls every route and DynamoDB never sees a Scan', async () => {
    const api = apiClient(runtime.url, runtime.adminToken);
    const called = new Set<string>();
    const call = async (method: string, template: string, path: string, body?: unknown, status = 200, client = api) => {
      const response = await client.call(method, path, body);
      called.add(`${method} ${template}`);
      return ok(response, status);
    };

    await call('GET', '/api', '/api');
    await call('GET', '/api/health', '/api/health');
    await call('GET', '/api/openapi.json', '/api/openapi.json');

    const project = await call('POST', '/api/projects', '/api/projects', { name: 'NoScan', giteaOwner: 'acme', giteaRepo: 'noscan' }, 201);
    await call('GET', '/api/projects', '/api/projects?limit=1');
    await call('GET', '/api/projects/{id}', `/api/projects/${project.id}`);
    await call('PATCH', '/api/projects/{id}', `/api/projects/${project.id}`, { description: 'x' });

    const task = await call('POST', '/api/tasks', '/api/tasks', { projectId: project.id, title: 'Do not scan' }, 201);
    await createMore(api, project.id);
    for (const query of ['', `?projectId=${project.id}`, '?state=backlog', `?projectId=${project.id}&state=backlog`, '?assignedAgentId=x', '?assignedAgentId=x&state=backlog&projectId=y']) {
      const first = await api.get(`/api/tasks${query}${query ? '&' : '?'}limit=1`);
      called.add('GET /api/tasks');
      expect(first.status).toBe(200);
      if (first.body.cursor) ok(await api.get(`/api/tasks${query}${query ? '&' : '?'}limit=1&cursor=${first.body.cursor}`));
    }
    await call('GET', '/api/tasks/{id}', `/api/tasks/${task.id}`);
    await call('PATCH', '/api/tasks/{id}', `/api/tasks/${task.id}`, { state: 'in_progress' });
    await call('PATCH', '/api/tasks/{id}', `/api/tasks/${task.id}`, { state: 'needs_input', question: 'Scan?' });
    await call('POST', '/api/tasks/{id}/respond', `/api/tasks/${task.id}/respond`, { response: 'Never' });
    await call('GET', '/api/tasks/{id}/events', `/api/tasks/${task.id}/events?limit=1`);

    const agent = await call('POST', '/api/agents', '/api/agents', { name: 'no-scan' }, 201);
    await call('GET', '/api/agents', '/api/agents?limit=1');
    await call('GET', '/api/agents', '/api/agents?status=idle');
    await call('GET', '/api/agents/{id}', `/api/agents/${agent.id}`);
    await call('PATCH', '/api/agents/{id}', `/api/agents/${agent.id}`, { capabilities: ['go'] });
    await call('POST', '/api/agents/{id}/heartbeat', `/api/agents/${agent.id}/heartbeat`, undefined, 200, apiClient(runtime.url, agent.token));
    await call('DELETE', '/api/agents/{id}', `/api/agents/${agent.id}`);

    // Deleting a project checks for tasks first (refused), then succeeds once they are gone.
    expect((await api.delete(`/api/projects/${project.id}`)).status).toBe(409);
    for (const item of ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`))) {
      await call('DELETE', '/api/tasks/{id}', `/api/tasks/${item.id}`);
    }
    await call('DELETE', '/api/projects/{id}', `/api/projects/${project.id}`);

    // Then every route of the table, whatever was added since: each handler runs (success or a 4xx) and never fails.
    const fresh = {
      project: ok(await api.post('/api/projects', { name: 'Sweep', giteaOwner: 'acme', giteaRepo: 'sweep' }), 201),
      agent: ok(await api.post('/api/agents', { name: 'sweep' }), 201),
    };
    const freshTask = ok(await api.post('/api/tasks', { projectId: fresh.project.id, title: 'Sweep' }), 201);
    const idFor = (path: string) =>
      path.startsWith('/api/tasks') ? freshTask.id : path.startsWith('/api/agents') ? fresh.agent.id : path.startsWith('/api/projects') ? fresh.project.id : 'unknown-id';
    const order = (method: string, path: string) => (method === 'DELETE' ? (path.startsWith('/api/projects') ? 2 : 1) : 0);
    for (const route of [...routes].sort((a, b) => order(a.method, a.path) - order(b.method, b.path))) {
      const path = route.path.replace(/\{id\}/g, idFor(route.path));
      const body = ['POST', 'PATCH'].includes(route.method) ? {} : undefined;
      const response = await api.call(route.method, path, body);
      expect(response.status, `${route.method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
      called.add(`${route.method} ${route.path}`);
    }

    expect([...called].sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    // The recorder saw the handlers' traffic (names of the underlying DynamoDB operations), so an absent Scan means something.
    expect([...commands]).toEqual(expect.arrayContaining(['GetItemCommand', 'QueryCommand', 'PutItemCommand', 'TransactWriteItemsCommand']));
    expect([...commands].filter((name) => /scan/i.test(name))).toEqual([]);
  });
});

async function createMore(api: ReturnType<typeof apiClient>, projectId: string) {
  for (let i = 0; i < 3; i++) ok(await api.post('/api/tasks', { projectId, title: `more-${i}` }), 201);
}
