import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../packages/core/src/db/client.js';
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

interface Agent {
  id: string;
  name: string;
  status: string;
  version: number;
  [key: string]: unknown;
}

const read = async (agent: { id: string }): Promise<Agent> => ok(await api.get(`/api/agents/${agent.id}`));

async function listAll(path: string, limit: number): Promise<Agent[]> {
  const items: Agent[] = [];
  let cursor: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response = await api.get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.count).toBe(response.body.data.length);
    if (response.body.cursor) expect(response.body.data.length).toBe(limit);
    items.push(...response.body.data);
    cursor = response.body.cursor;
  } while (cursor);
  return items;
}

const SECRET_FIELDS = ['token', 'tokenHash', 'lastSeenAt'];
const expectNoSecrets = (agent: Record<string, unknown>) => {
  for (const field of SECRET_FIELDS) expect(agent, field).not.toHaveProperty(field);
};

describe('registering agents', () => {
  it('returns the token once; reads and lists never show it or its hash', async () => {
    const agent = await registerAgent(api, { name: 'claude-1', capabilities: ['typescript', 'aws'] });
    expect(agent).toMatchObject({ name: 'claude-1', capabilities: ['typescript', 'aws'], status: 'idle', version: 1 });
    expect(agent.token).toMatch(new RegExp(`^aiw_${agent.id}_`));
    expect(agent).not.toHaveProperty('tokenHash');
    expect(agent).not.toHaveProperty('currentTaskId');
    expect(new Date(agent.lastHeartbeatAt).toISOString()).toBe(agent.lastHeartbeatAt);

    const { token, ...shown } = agent;
    const fetched = await read(agent);
    expect(fetched).toEqual(shown);
    expectNoSecrets(fetched);
    const listed: Agent[] = ok(await api.get('/api/agents?limit=100'));
    const inList = listed.find((item) => item.id === agent.id)!;
    expect(inList).toEqual(shown);
    for (const item of listed) expectNoSecrets(item);
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  // Reads DynamoDB directly: not against a deployed system.
  it.skipIf(deployedUnderTest)('stores only the sha256 of the token in DynamoDB', async () => {
    const agent = await registerAgent(api);
    const { token } = agent;
    const stored = await documentClient().send(new GetCommand({ TableName: runtime.tableName, Key: { pk: `AGENT#${agent.id}`, sk: 'AGENT' } }));
    expect(stored.Item!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    // The secret is everything after `aiw_<id>_` (base64url, so it may hold underscores itself).
    const secret = token.slice(`aiw_${agent.id}_`.length);
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(JSON.stringify(stored.Item)).not.toContain(secret);
  });

  it('defaults capabilities to an empty list and gives every agent its own token', async () => {
    const a = await registerAgent(api, { capabilities: undefined });
    const b = await registerAgent(api);
    expect(a.capabilities).toEqual([]);
    expect(a.token).not.toBe(b.token);
    expect(a.id).not.toBe(b.id);
  });
});

// Tests that put tasks in agents' hands through core (assignTask, expireLease) or read DynamoDB directly
// skip against a deployed system (`npm run test:e2e`): they need the runtime's own process and table.
describe('listing agents', () => {
  it.skipIf(deployedUnderTest)('filters by status and pages without duplicates or gaps', async () => {
    const project = await createProject(api);
    const idle = [await registerAgent(api), await registerAgent(api), await registerAgent(api)];
    const busy = [await registerAgent(api), await registerAgent(api)];
    const offline = await registerAgent(api);
    for (const agent of busy) await assignTask((await createTask(api, project.id)).id, agent.id);
    const lapsed = await createTask(api, project.id);
    await assignTask(lapsed.id, offline.id);
    await expireLease(lapsed.id);

    const all = await listAll('/api/agents', 2);
    expect(new Set(all.map((agent) => agent.id)).size).toBe(all.length);
    expect(all.map((agent) => agent.id)).toEqual(ok<Agent[]>(await api.get('/api/agents?limit=100')).map((agent) => agent.id));
    for (const agent of [...idle, ...busy, offline]) expect(all.map((item) => item.id)).toContain(agent.id);

    const busyListed = await listAll('/api/agents?status=busy', 1);
    expect(busyListed.map((agent) => agent.id).sort()).toEqual(busy.map((agent) => agent.id).sort());
    expect(busyListed.every((agent) => agent.status === 'busy' && typeof agent.currentTaskId === 'string')).toBe(true);

    const offlineListed = await listAll('/api/agents?status=offline', 1);
    expect(offlineListed.map((agent) => agent.id)).toEqual([offline.id]);
    expect(offlineListed[0]).not.toHaveProperty('currentTaskId');

    const idleListed = await listAll('/api/agents?status=idle', 2);
    expect(idleListed.every((agent) => agent.status === 'idle')).toBe(true);
    for (const agent of idle) expect(idleListed.map((item) => item.id)).toContain(agent.id);
    expect(idleListed.length + busyListed.length + offlineListed.length).toBe(all.length);
  });
});

describe('changing agents', () => {
  it('updates name and capabilities with a version and refuses a stale one', async () => {
    const agent = await registerAgent(api);
    const renamed = ok(await api.patch(`/api/agents/${agent.id}`, { name: 'renamed', version: 1 }));
    expect(renamed).toMatchObject({ name: 'renamed', capabilities: agent.capabilities, version: 2 });
    expectNoSecrets(renamed);
    const skilled = ok(await api.patch(`/api/agents/${agent.id}`, { capabilities: ['go', 'rust'] }));
    expect(skilled).toMatchObject({ name: 'renamed', capabilities: ['go', 'rust'], version: 3 });
    expectError(await api.patch(`/api/agents/${agent.id}`, { name: 'lost', version: 2 }), 409, 'VERSION_CONFLICT', /you sent version 2, current is 3/);
    expect(await read(agent)).toEqual(skilled);
    // The token still works after edits.
    ok(await apiClient(runtime.url, agent.token).post(`/api/agents/${agent.id}/heartbeat`));
  });

  it('deletes an agent (stale version refused); its token stops working', async () => {
    const agent = await registerAgent(api);
    expectError(await api.delete(`/api/agents/${agent.id}?version=2`), 409, 'VERSION_CONFLICT');
    expect((await read(agent)).version).toBe(1);
    const { token, ...shown } = agent;
    expect(ok(await api.delete(`/api/agents/${agent.id}?version=1`))).toEqual(shown);
    expectError(await api.get(`/api/agents/${agent.id}`), 404, 'NOT_FOUND');
    expect(ok<Agent[]>(await api.get('/api/agents?limit=100')).map((item) => item.id)).not.toContain(agent.id);
    expectError(await apiClient(runtime.url, token).post(`/api/agents/${agent.id}/heartbeat`), 401, 'UNAUTHORIZED');
    expectError(await api.delete(`/api/agents/${agent.id}`), 404, 'NOT_FOUND');
  });

  it.skipIf(deployedUnderTest)('keeps an agent that holds a task', async () => {
    const project = await createProject(api);
    const agent = await registerAgent(api);
    const task = await createTask(api, project.id);
    await assignTask(task.id, agent.id);
    expectError(await api.delete(`/api/agents/${agent.id}`), 409, 'CONFLICT', new RegExp(`holds task '${task.id}'`));
    expect(await read(agent)).toMatchObject({ status: 'busy', currentTaskId: task.id });
  });
});

describe('heartbeat', () => {
  it('updates lastHeartbeatAt with the admin token and with the agent’s own token', async () => {
    const agent = await registerAgent(api);
    const byAdmin = ok(await api.post(`/api/agents/${agent.id}/heartbeat`));
    expect(byAdmin.lastHeartbeatAt >= agent.lastHeartbeatAt).toBe(true);
    expect(byAdmin.version).toBe(2);
    expectNoSecrets(byAdmin);
    const self = apiClient(runtime.url, agent.token);
    const bySelf = ok(await self.post(`/api/agents/${agent.id}/heartbeat`));
    expect(bySelf.lastHeartbeatAt >= byAdmin.lastHeartbeatAt).toBe(true);
    expect(bySelf.version).toBe(3);
    expect(await read(agent)).toEqual(bySelf);
  });

  it.skipIf(deployedUnderTest)('brings an offline agent back as idle', async () => {
    const project = await createProject(api);
    const agent = await registerAgent(api);
    const task = await createTask(api, project.id);
    await assignTask(task.id, agent.id);
    await expireLease(task.id);
    expect((await read(agent)).status).toBe('offline');
    const back = ok(await apiClient(runtime.url, agent.token).post(`/api/agents/${agent.id}/heartbeat`));
    expect(back.status).toBe('idle');
    expect(ok<Agent[]>(await api.get('/api/agents?status=offline&limit=100')).map((item) => item.id)).not.toContain(agent.id);
  });

  it('refuses another agent’s token (403) and a garbage token (401), changing nothing', async () => {
    const agent = await registerAgent(api);
    const other = await registerAgent(api);
    const url = `/api/agents/${agent.id}/heartbeat`;
    const foreign = await apiClient(runtime.url, other.token).post(url);
    expectError(foreign, 403, 'FORBIDDEN', /its own agent/);
    for (const token of ['garbage', `aiw_${agent.id}_wrongsecret`, `${agent.token}x`, runtime.adminToken.slice(0, -1)]) {
      const response = await apiClient(runtime.url, token).post(url);
      expectError(response, 401, 'UNAUTHORIZED');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const missing = await apiClient(runtime.url).post(url);
    expectError(missing, 401, 'UNAUTHORIZED');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const { token, ...shown } = agent;
    expect(await read(agent)).toEqual(shown);
    expectError(await api.post('/api/agents/no-such-agent/heartbeat'), 404, 'NOT_FOUND', /Agent 'no-such-agent'/);
    expectError(await apiClient(runtime.url, agent.token).post('/api/agents/no-such-agent/heartbeat'), 403, 'FORBIDDEN');
  });
});

describe('bad input for agents', () => {
  it('gets a 4xx with a code and message, and nothing is written', async () => {
    const agent = await registerAgent(api);
    const before = ok<Agent[]>(await api.get('/api/agents?limit=100'));
    const json = { 'content-type': 'application/json' };
    const big = 'x'.repeat(1024 * 1024 + 10);
    const patch = (body: unknown) => api.patch(`/api/agents/${agent.id}`, body);
    const cases: Array<[number, string, () => Promise<ApiResponse>, RegExp]> = [
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: '' }), /'name'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: '  ' }), /'name'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: 42 }), /'name'.*expected string/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { capabilities: [] }), /'name'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: 'a', capabilities: 'typescript' }), /'capabilities'.*expected array/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: 'a', capabilities: ['ok', 7] }), /'capabilities.1'/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: 'a', status: 'busy' }), /unknown body field: status/],
      [400, 'VALIDATION_ERROR', () => api.post('/api/agents', { name: 'a', token: 'mine' }), /unknown body field: token/],
      [415, 'UNSUPPORTED_MEDIA_TYPE', () => api.post('/api/agents', undefined, { headers: { 'content-type': 'text/plain' }, raw: '{"name":"a"}' }), /application\/json/],
      [400, 'INVALID_JSON', () => api.post('/api/agents', undefined, { headers: json, raw: '{"name":"a",}' }), /not valid JSON/],
      [413, 'PAYLOAD_TOO_LARGE', () => api.post('/api/agents', { name: 'a', capabilities: [big] }), /1048576/],
      [400, 'VALIDATION_ERROR', () => patch({ name: '' }), /'name'/],
      [400, 'VALIDATION_ERROR', () => patch({ status: 'offline' }), /unknown body field: status/],
      [400, 'VALIDATION_ERROR', () => patch({ currentTaskId: 'x' }), /unknown body field: currentTaskId/],
      [400, 'VALIDATION_ERROR', () => patch({ version: 1 }), /at least one field/],
      [400, 'VALIDATION_ERROR', () => patch({ capabilities: 'go' }), /'capabilities'/],
      [409, 'VERSION_CONFLICT', () => patch({ name: 'stale', version: 9 }), /you sent version 9, current is 1/],
      [413, 'PAYLOAD_TOO_LARGE', () => patch({ name: big }), /1048576/],
      [415, 'UNSUPPORTED_MEDIA_TYPE', () => api.patch(`/api/agents/${agent.id}`, undefined, { headers: { 'content-type': 'text/html' }, raw: '<p>' }), /application\/json/],
      [400, 'INVALID_JSON', () => api.patch(`/api/agents/${agent.id}`, undefined, { headers: json, raw: 'nul' }), /not valid JSON/],
      [404, 'NOT_FOUND', () => api.get('/api/agents/no-such-agent'), /Agent 'no-such-agent' was not found/],
      [404, 'NOT_FOUND', () => api.patch('/api/agents/no-such-agent', { name: 'x' }), /was not found/],
      [404, 'NOT_FOUND', () => api.delete('/api/agents/no-such-agent'), /was not found/],
      [409, 'VERSION_CONFLICT', () => api.delete(`/api/agents/${agent.id}?version=5`), /current is 1/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/agents?status=sleeping'), /'status'/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/agents?limit=-3'), /'limit'/],
      [400, 'VALIDATION_ERROR', () => api.get('/api/agents?name=x'), /unknown query parameter: name/],
      [400, 'INVALID_CURSOR', () => api.get('/api/agents?cursor=e30'), /cursor/],
    ];
    for (const [status, code, send, message] of cases) expectError(await send(), status, code, message);
    expect(ok<Agent[]>(await api.get('/api/agents?limit=100'))).toEqual(before);
    const { token, ...shown } = agent;
    expect(await read(agent)).toEqual(shown);
  });
});
