import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, connectAgent, newAgent, ok, rawMcp } from './mcp-client.js';

/** Both protocol eras on one `/mcp`: 2026-07-28 (stateless, server/discover) next to the 2025 era. */
let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  api = admin(runtime);
});
afterAll(() => runtime?.stop());

const MODERN = '2026-07-28';
const envelope = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' } };

/** A 2026-07-28 request as the spec writes it: the `_meta` envelope in the body, the same facts in headers. */
function modern(runtime: Runtime, token: string | undefined, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const named = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
  const name: Record<string, string> = named ? { 'mcp-name': named } : {};
  return rawMcp(runtime, {
    token,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: envelope } }),
    headers: { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...name, ...headers },
  });
}

describe('MCP 2026-07-28', () => {
  it('answers server/discover with the versions it speaks, its tools capability and who it is', async () => {
    const a = await newAgent(runtime);
    const discover = await modern(runtime, a.token, 'server/discover');
    expect(discover.status).toBe(200);
    expect(discover.body.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: expect.arrayContaining([MODERN]),
      capabilities: { tools: expect.any(Object), resources: expect.any(Object) },
      instructions: expect.stringMatching(/get_next_task/),
    });
    expect(JSON.stringify(discover.body.result)).toMatch(/aiworker/);
    await a.close();
  });

  it('authorises every request by its bearer token: none or a wrong one is 401 before MCP runs', async () => {
    for (const token of [undefined, 'not-a-token', runtime.adminToken]) {
      const response = await modern(runtime, token, 'server/discover');
      expect(response.status, String(token)).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="aiworker"/);
    }
  });

  it('lists tools as a cacheable result private to the token, with a lifetime', async () => {
    const a = await newAgent(runtime);
    const list = await modern(runtime, a.token, 'tools/list');
    expect(list.status).toBe(200);
    expect(list.body.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', ttlMs: expect.any(Number) });
    expect(list.body.result.ttlMs).toBeGreaterThan(0);
    expect(list.body.result.tools.map((tool: { name: string }) => tool.name)).toContain('get_next_task');
    // A read-only token sees the same list shape but may be refused tools: the list is per token, not shared.
    const reader = await newAgent(runtime, { scopes: ['read'] });
    expect((await modern(runtime, reader.token, 'tools/list')).body.result.cacheScope).toBe('private');
    await Promise.all([a.close(), reader.close()]);
  });

  it('refuses a request whose headers and body disagree with 400 and the spec error, changing nothing', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const a = await newAgent(runtime);
    const call = { name: 'get_next_task', arguments: { projectId: project.id } };
    const cases: Array<[string, Record<string, string>]> = [
      ['Mcp-Method says another method', { 'mcp-method': 'tools/list' }],
      ['Mcp-Name names another tool', { 'mcp-name': 'get_task' }],
      ['MCP-Protocol-Version names another version than the body', { 'mcp-protocol-version': '2025-11-25' }],
    ];
    for (const [label, headers] of cases) {
      const response = await modern(runtime, a.token, 'tools/call', call, headers);
      expect(response.status, label).toBe(400);
      // The spec's HeaderMismatch (-32020), naming what disagrees.
      expect(response.body.error, label).toMatchObject({ code: -32020, message: expect.any(String) });
    }
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'backlog', version: 1 });
    // The same request with agreeing headers claims it.
    const claimed = await modern(runtime, a.token, 'tools/call', call);
    expect(claimed.body.result).toMatchObject({ resultType: 'complete', structuredContent: { task: { id: task.id, state: 'in_progress' } } });
    await a.close();
  });

  it('answers a version it does not speak with the versions it does', async () => {
    const a = await newAgent(runtime);
    const response = await rawMcp(runtime, {
      token: a.token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: { ...envelope, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }),
      headers: { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' },
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error)).toContain(MODERN);
    await a.close();
  });

  it('an SDK v2 client negotiates 2026-07-28; an SDK 1.x client still speaks 2025 on the same URL', async () => {
    const a = await newAgent(runtime);
    const modernClient = await connectAgent(runtime, a.token, 'v2', 'modern');
    expect(modernClient.protocolVersion).toBe(MODERN);
    const legacyClient = await connectAgent(runtime, a.token, 'v1', 'legacy');
    const [modernTools, legacyTools] = await Promise.all([modernClient.client.listTools(), legacyClient.client.listTools()]);
    expect(modernTools.tools.map((tool) => tool.name).sort()).toEqual(legacyTools.tools.map((tool) => tool.name).sort());
    expect((await modernClient.call('list_my_tasks')).structured).toMatchObject({ tasks: [] });
    expect((await legacyClient.call('list_my_tasks')).structured).toMatchObject({ tasks: [] });
    await Promise.all([modernClient.close(), legacyClient.close(), a.close()]);
  });
});
