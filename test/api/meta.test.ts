import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { contract, type Operation } from '../../functions/lib/contract.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient, type ApiResponse } from '../helpers/http.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
let api: ApiClient;
let anonymous: ApiClient;

beforeAll(async () => {
  // This file sends hundreds of unknown tokens on purpose (every route × every wrong header): far past the
  // per-address limit of unknown bearer tokens, which test/api/rate-limits.test.ts checks on its own.
  process.env.AIWORKER_RATE_LIMIT_SCALE = '1000';
  runtime = await startTestRuntime();
  api = apiClient(runtime.url, runtime.adminToken);
  anonymous = apiClient(runtime.url);
});
afterAll(() => runtime?.stop());

const publicRoutes = routes.filter((route) => route.auth === 'none');
const protectedRoutes = routes.filter((route) => route.auth !== 'none');
const adminRoutes = routes.filter((route) => route.auth === 'admin' || route.auth === 'person');
const concrete = (path: string, id = 'some-id') => path.replace(/\{id\}/g, id);

describe('health and the endpoint list', () => {
  it('GET /api/health answers without a token', async () => {
    const response = await anonymous.get('/api/health');
    const health = ok(response);
    expect(health).toEqual({ status: 'ok', timestamp: expect.any(String), version: expect.any(String) });
    expect(new Date(health.timestamp).toISOString()).toBe(health.timestamp);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ok(await api.get('/api/health')).status).toBe('ok');
  });

  it('GET /api lists every route of the route table', async () => {
    const response = await anonymous.get('/api');
    const listed = ok<Array<{ method: string; path: string; summary: string; auth: string }>>(response);
    expect(response.body.count).toBe(routes.length);
    expect(listed.map(({ method, path, auth }) => `${method} ${path} ${auth}`).sort()).toEqual(
      routes.map(({ method, path, auth }) => `${method} ${path} ${auth}`).sort(),
    );
    for (const entry of listed) expect(entry.summary.length).toBeGreaterThan(0);
  });
});

describe('OpenAPI document', () => {
  let doc: any;
  let ajv: InstanceType<typeof Ajv2020>;
  const schemaAt = (path: string, method: string, pointer: string) =>
    ajv.getSchema(`openapi.json#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/${pointer}`)!;

  beforeAll(async () => {
    const response = await anonymous.get('/api/openapi.json');
    expect(response.status).toBe(200);
    // The document itself, not wrapped in the envelope: tools read it by URL.
    doc = response.body;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(doc, 'openapi.json');
  });

  it('is a valid OpenAPI 3.1 document by an OpenAPI validator, with operationIds, servers and the runtime answers documented', async () => {
    expect(doc.success).toBeUndefined();
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], String(JSON.stringify(result.errors)).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator is no rubber stamp: a broken copy is refused.
    expect((await new Validator().validate({ ...structuredClone(doc), paths: { '/x': { get: { responses: 5 } } } })).valid).toBe(false);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const ids = routes.map((route) => doc.paths[route.path][route.method.toLowerCase()].operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(routes.length);
    expect(doc.paths['/api/tasks/{id}'].get.operationId).toBe('tasksGet');
    for (const route of routes) {
      const where = `${route.method} ${route.path}`;
      const operation = (contract as Record<string, Operation>)[where];
      const responses = doc.paths[route.path][route.method.toLowerCase()].responses;
      if (operation?.redirect) continue;
      expect(responses['405'], where).toBeDefined();
      if (operation?.body) expect(Object.keys(responses), where).toEqual(expect.arrayContaining(['413', '415']));
      if (!['/api', '/api/health', '/api/openapi.json'].includes(route.path)) expect(responses['503'].headers['Retry-After'], where).toBeDefined();
    }
  });

  it('is OpenAPI 3.1 and describes every route with request and response schemas', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toEqual({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());

    for (const route of routes) {
      const operation = doc.paths[route.path][route.method.toLowerCase()];
      const where = `${route.method} ${route.path}`;
      expect(operation.summary, where).toBe(route.summary);
      expect(operation.security, where).toEqual(route.auth === 'none' ? [] : [{ bearer: [] }, { session: [] }]);
      const takesBody = (contract as Record<string, Operation>)[where]?.body !== undefined;
      expect(operation.requestBody?.content['application/json'].schema !== undefined, where).toBe(takesBody);
      if ((contract as Record<string, Operation>)[where]?.redirect) {
        expect(operation.responses['302'].headers.Location, where).toBeDefined();
        continue;
      }
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(operation.parameters.filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name), where).toEqual(pathParams);
      const success = Object.keys(operation.responses).find((status) => status.startsWith('2'));
      expect(success, where).toBeDefined();
      const envelope = operation.responses[success!].content['application/json'].schema;
      if (!(contract as Record<string, Operation>)[where]?.raw) expect(envelope.properties.data, where).toBeDefined();
      expect(operation.responses['4XX'].content['application/json'].schema, where).toBeDefined();
      // Every schema in the document compiles, refs included.
      expect(() => schemaAt(route.path, route.method.toLowerCase(), `responses/${success}/content/application~1json/schema`), where).not.toThrow();
    }
    for (const key of ['POST /api/projects', 'PATCH /api/projects/{id}', 'POST /api/tasks', 'PATCH /api/tasks/{id}', 'POST /api/tasks/{id}/respond', 'POST /api/agents', 'PATCH /api/agents/{id}']) {
      const [method, path] = key.split(' ');
      expect(doc.paths[path][method.toLowerCase()].requestBody.content['application/json'].schema, key).toBeDefined();
    }
    expect(doc.paths['/api/tasks'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['assignedAgentId', 'blocked', 'cursor', 'limit', 'projectId', 'ready', 'state']);
    expect(doc.paths['/api/agents'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit', 'status']);
  });

  it('describes what the API really sends and accepts', async () => {
    const conforms = (path: string, method: string, response: ApiResponse) => {
      const status = response.status >= 400 ? '4XX' : String(response.status);
      const validate = schemaAt(path, method, `responses/${status}/content/application~1json/schema`);
      expect(validate(response.body), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const accepts = (path: string, method: string, body: unknown) => schemaAt(path, method, 'requestBody/content/application~1json/schema')(body);

    const projectBody = { name: 'Doc', giteaOwner: 'acme', giteaRepo: 'doc' };
    expect(accepts('/api/projects', 'post', projectBody)).toBe(true);
    const projectResponse = await api.post('/api/projects', projectBody);
    conforms('/api/projects', 'post', projectResponse);
    const project = projectResponse.body.data;
    conforms('/api/projects', 'get', await api.get('/api/projects'));
    conforms('/api/projects/{id}', 'get', await api.get(`/api/projects/${project.id}`));
    conforms('/api/projects/{id}', 'patch', await api.patch(`/api/projects/${project.id}`, { description: 'documented' }));

    const taskBody = { projectId: project.id, title: 'Document it', priority: 70 };
    expect(accepts('/api/tasks', 'post', taskBody)).toBe(true);
    expect(accepts('/api/tasks', 'post', { ...taskBody, priority: 101 })).toBe(false);
    expect(accepts('/api/tasks', 'post', { ...taskBody, colour: 'red' })).toBe(false);
    const taskResponse = await api.post('/api/tasks', taskBody);
    conforms('/api/tasks', 'post', taskResponse);
    const task = taskResponse.body.data;
    conforms('/api/tasks', 'get', await api.get(`/api/tasks?projectId=${project.id}&state=backlog`));
    conforms('/api/tasks/{id}', 'get', await api.get(`/api/tasks/${task.id}`));
    expect(accepts('/api/tasks/{id}', 'patch', { state: 'in_progress', version: 1 })).toBe(true);
    conforms('/api/tasks/{id}', 'patch', await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress', version: 1 }));
    conforms('/api/tasks/{id}', 'patch', await api.patch(`/api/tasks/${task.id}`, { state: 'needs_input', question: 'Why?' }));
    expect(accepts('/api/tasks/{id}/respond', 'post', { response: 'Because' })).toBe(true);
    conforms('/api/tasks/{id}/respond', 'post', await api.post(`/api/tasks/${task.id}/respond`, { response: 'Because' }));
    conforms('/api/tasks/{id}/events', 'get', await api.get(`/api/tasks/${task.id}/events?limit=2`));
    conforms('/api/tasks/{id}', 'patch', await api.patch(`/api/tasks/${task.id}`, { state: 'production' }));

    const agentBody = { name: 'doc-agent', capabilities: ['docs'] };
    expect(accepts('/api/agents', 'post', agentBody)).toBe(true);
    const agentResponse = await api.post('/api/agents', agentBody);
    conforms('/api/agents', 'post', agentResponse);
    const agent = agentResponse.body.data;
    conforms('/api/agents', 'get', await api.get('/api/agents?status=idle'));
    conforms('/api/agents/{id}', 'get', await api.get(`/api/agents/${agent.id}`));
    conforms('/api/agents/{id}', 'patch', await api.patch(`/api/agents/${agent.id}`, { capabilities: [] }));
    conforms('/api/agents/{id}/heartbeat', 'post', await api.post(`/api/agents/${agent.id}/heartbeat`));
    conforms('/api/agents/{id}', 'delete', await api.delete(`/api/agents/${agent.id}`));

    conforms('/api/tasks/{id}', 'delete', await api.delete(`/api/tasks/${task.id}`));
    conforms('/api/projects/{id}', 'delete', await api.delete(`/api/projects/${project.id}`));
    conforms('/api/health', 'get', await anonymous.get('/api/health'));
    conforms('/api', 'get', await anonymous.get('/api'));
    conforms('/api/tasks/{id}', 'get', await api.get('/api/tasks/gone'));
  });
});

describe('routing', () => {
  it('answers an unknown route with 404 and the envelope', async () => {
    for (const path of ['/api/nope', '/api/tasks/x/y', '/api/projects/x/tasks', '/mcp/nope']) {
      const response = await api.get(path);
      expect(response.status, path).toBe(404);
      expect(response.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(path) } });
    }
  });

  it('serves the board at / (and its client-side routes), beside /api and /mcp', async () => {
    for (const path of ['/', '/agents']) {
      const response = await fetch(`${runtime.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<div id="app">/);
    }
    expect((await fetch(`${runtime.url}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${runtime.url}/%2e%2e/%2e%2e/package.json`)).status).not.toBe(500);
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const cases: Array<[string, string, string[]]> = [
      ['PUT', '/api/tasks', ['GET', 'HEAD', 'POST']],
      ['DELETE', '/api/health', ['GET', 'HEAD']],
      ['POST', '/api/tasks/some-id/events', ['GET', 'HEAD']],
      ['GET', '/api/tasks/some-id/respond', ['POST']],
      ['PUT', '/api/agents/some-id', ['GET', 'HEAD', 'PATCH', 'DELETE']],
      ['POST', '/api/projects/some-id', ['GET', 'HEAD', 'PATCH', 'DELETE']],
    ];
    for (const [method, path, allow] of cases) {
      const response = await api.call(method, path);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(response.body.error.message).toMatch(new RegExp(`${method} is not allowed`));
      expect(response.headers.get('allow')!.split(/,\s*/).sort()).toEqual([...allow].sort());
    }
  });
});

describe('authentication', () => {
  it('public routes work without a token', async () => {
    const expected: Record<string, number> = {
      'POST /api/auth/token': 415, // needs its JSON body, but no token
      'GET /api/auth/gitea/login': 302,
      'GET /api/auth/gitea/callback': 302,
      'POST /api/webhooks/gitea': 401, // authenticated by its X-Gitea-Signature instead
    };
    for (const route of publicRoutes) {
      const key = `${route.method} ${route.path}`;
      const response = await fetch(`${runtime.url}${route.path}`, { method: route.method, redirect: 'manual' });
      expect(response.status, key).toBe(expected[key] ?? 200);
    }
  });

  it('every other route needs a valid bearer token: 401 with WWW-Authenticate', async () => {
    const agent = await registerAgent(api);
    const deleted = await registerAgent(api);
    ok(await api.delete(`/api/agents/${deleted.id}`));
    const headers: Array<[string, Record<string, string>]> = [
      // Tokens that look like agent tokens but match no agent: 401 (unknown caller), not 403.
      ['agent-looking garbage', { authorization: 'Bearer aiw_garbage' }],
      ['well-formed unknown agent token', { authorization: 'Bearer aiw_00000000-0000-0000-0000-000000000000_secret' }],
      ['real agent, wrong secret', { authorization: `Bearer aiw_${agent.id}_wrongsecret` }],
      ['deleted agent', { authorization: `Bearer ${deleted.token}` }],
      ['no header', {}],
      ['wrong token', { authorization: 'Bearer wrong-token' }],
      ['admin token with a typo', { authorization: `Bearer ${runtime.adminToken}x` }],
      ['Basic scheme', { authorization: `Basic ${Buffer.from(`admin:${runtime.adminToken}`).toString('base64')}` }],
      ['bare token', { authorization: runtime.adminToken }],
      ['empty Bearer', { authorization: 'Bearer ' }],
    ];
    const client = apiClient(runtime.url);
    for (const route of protectedRoutes) {
      for (const [what, header] of headers) {
        const response = await client.call(route.method, concrete(route.path), undefined, { headers: header });
        const where = `${route.method} ${route.path} (${what})`;
        expect(response.status, where).toBe(401);
        expect(response.body.error.code, where).toBe('UNAUTHORIZED');
        expect(response.headers.get('www-authenticate'), where).toMatch(/^Bearer realm=/);
      }
    }
  });

  it('refuses an agent token on admin routes with 403 and changes nothing', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const agent = await registerAgent(api);
    const asAgent = apiClient(runtime.url, agent.token);
    for (const route of adminRoutes) {
      const id = route.path.startsWith('/api/agents') ? agent.id : route.path.startsWith('/api/tasks') ? task.id : project.id;
      const response = await asAgent.call(route.method, concrete(route.path, id), ['POST', 'PATCH'].includes(route.method) ? { name: 'x', title: 'x' } : undefined);
      const where = `${route.method} ${route.path}`;
      expect(response.status, where).toBe(403);
      expect(response.body.error.code, where).toBe('FORBIDDEN');
      expect(response.body.error.message, where).toMatch(/admin token/);
    }
    expect(ok(await api.get(`/api/projects/${project.id}`))).toEqual(project);
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toEqual(task);
    const { token, ...shown } = agent;
    expect(ok(await api.get(`/api/agents/${agent.id}`))).toEqual(shown);
    // Its own heartbeat is the one REST call an agent token may make.
    ok(await asAgent.post(`/api/agents/${agent.id}/heartbeat`));
  });
});
