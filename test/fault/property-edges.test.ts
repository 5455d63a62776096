/**
 * Property: what a client can put around a request — raw paths (malformed percent-escapes, dot segments,
 * odd bytes), query strings, tampered cursors, and headers (Host, X-Forwarded-*, Authorization) — at every
 * REST route and at /mcp. Never a 5xx; a refused request writes nothing (at /mcp, nothing but the agent's
 * liveness). The bodies are property-rest's and property-mcp's business.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { apiClient } from '../helpers/http.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';
import { deployedUnderTest, startTestRuntime } from '../helpers/runtime.js';
import { isLivenessWrite, recordWrites } from '../helpers/write-recorder.js';

const RUNS = Number(process.env.AIWORKER_PROPERTY_EDGE_RUNS ?? 120);

let runtime: Runtime;
let recorder: ReturnType<typeof recordWrites>;
const real: Record<string, string> = {};
let agentToken = '';

beforeAll(async () => {
  // Hundreds of wrong-token requests from 127.0.0.1 would be answered 429 after the first twenty; scaled up, the
  // properties reach the validation behind the limiter (the limiter itself is tested in test/api/rate-limits).
  process.env.AIWORKER_RATE_LIMIT_SCALE = '1000';
  runtime = await startTestRuntime({ worker: false, sweeper: false });
  const api = apiClient(runtime.url, runtime.adminToken);
  const project = await createProject(api);
  const task = await createTask(api, project.id);
  const agent = await registerAgent(api);
  Object.assign(real, { projects: project.id, tasks: task.id, agents: agent.id, jobs: 'none' });
  agentToken = agent.token;
  recorder = recordWrites();
});
afterAll(async () => {
  recorder?.stop();
  await runtime?.stop();
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const KEY_NAMES = ['pk', 'sk', 'allPk', 'allSk', 'statusPk', 'statusSk', 'ownerPk', 'ownerSk', 'assigneePk', 'assigneeSk', 'projectStatePk', 'projectStateSk'];

/** Path segments: real ids, percent-escapes good and broken, dot segments, unicode, long. */
const segment = fc.oneof(
  fc.constantFrom(() => real.tasks, () => real.projects, () => real.agents).map((get) => get()),
  fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%2e%2e', '..', '.', '%2F', 'a%2Fb', '%25', '%u0041', 'x'.repeat(300), '%F0%9F%92%A5', '~', "'", '"', '<x>'.replace(/[<>]/g, '')),
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{1,40}$/),
  fc.uuid(),
);

/** Cursors: garbage, and key-shaped JSON whose keys or values do not belong to the list it is sent to. */
const cursor = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.base64String({ maxLength: 120 }),
  fc
    .dictionary(fc.constantFrom(...KEY_NAMES), fc.oneof(fc.constantFrom(() => `TASK#${real.tasks}`, () => `PROJECT#${real.projects}`, () => 'PROJECTS', () => 'TASKS', () => 'AGENTS', () => `PROJECT_TASKS#${real.projects}`, () => 'TASK_STATE#backlog#0', () => 'AGENT_STATUS#idle#0', () => 'READY#0', () => 'EVENT#', () => 'TASK').map((get) => get()), fc.string({ maxLength: 30 })), { minKeys: 1, maxKeys: 4 })
    .map(b64url),
  fc.constantFrom(
    () => b64url({ pk: `TASK#${real.tasks}`, sk: 'ZZZ' }),
    () => b64url({ pk: `TASK#${real.tasks}`, sk: 'TASK' }),
    () => b64url({ pk: 'x', sk: 'y', allPk: 'PROJECTS', allSk: '' }),
    () => b64url({ pk: 'x', sk: 'y', allPk: 'PROJECTS', allSk: 'x'.repeat(1023) }),
    () => b64url({ pk: 1, sk: 2 }),
    () => b64url([`TASK#${real.tasks}`]),
  ).map((get) => get()),
);

const queryValue = fc.oneof(fc.string({ maxLength: 20 }).map(encodeURIComponent), fc.constantFrom('%', '%zz', '%E0%A4%A', '', '-1', '1e3', '100', '0', 'backlog', 'idle'));
const queryString = fc
  .array(fc.tuple(fc.constantFrom('limit', 'cursor', 'state', 'status', 'projectId', 'assignedAgentId', 'version', 'x', '%zz', ''), fc.oneof(queryValue, cursor.map(encodeURIComponent))), { maxLength: 4 })
  .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'));

/** Headers a client controls, hostile ones included. */
const headerValue = fc.oneof(fc.stringMatching(/^[\x21-\x7e]{0,40}$/), fc.constantFrom('', 'a b', 'javascript', 'http', 'https', 'https, http', 'ftp', '[::1', 'a:b:c', 'localhost:99999', '-', '..', 'xn--'));
const headers = fc.record(
  {
    host: fc.oneof(headerValue, fc.constantFrom('bad host^', '[::1', 'localhost:3000', 'a@b', 'a/b', '%zz')),
    'x-forwarded-proto': headerValue,
    'x-forwarded-host': headerValue,
    'x-forwarded-for': headerValue,
    'x-forwarded-port': headerValue,
    forwarded: headerValue,
    origin: fc.constantFrom('null', 'http://evil.test', 'x'),
    'if-none-match': headerValue,
  },
  { requiredKeys: [] },
);
const authorization = fc.constantFrom<() => string | undefined>(
  () => `Bearer ${runtime.adminToken}`,
  () => `Bearer ${runtime.adminToken}`,
  () => `Bearer ${agentToken}`,
  () => undefined,
  () => 'Bearer',
  () => 'Bearer ',
  () => 'Basic YTpi',
  () => `bearer ${runtime.adminToken}`,
  () => `Bearer ${runtime.adminToken}x`,
  () => 'Bearer aiw_x.y',
).map((get) => get());

function checkRest(label: string, answer: RawAnswer) {
  expect(answer.status, `${label} → ${answer.status} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  if (answer.status >= 400 && answer.status !== 405) {
    expect(answer.body?.success, `${label}: ${answer.text.slice(0, 300)}`).toBe(false);
    expect(answer.body?.error?.message, label).toEqual(expect.any(String));
  }
}

describe.skipIf(deployedUnderTest)('property: paths, query strings, cursors and headers', () => {
  for (const route of routes) {
    it(`${route.method} ${route.path}: never a 5xx, and a refused request writes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 2, maxLength: 2 }), queryString, headers, authorization, async (segments, query, extra, auth) => {
          let used = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => segments[used++ % segments.length]) + (query ? `?${query}` : '');
          const sent: Record<string, string> = { ...(extra as Record<string, string>) };
          if (auth) sent.authorization = auth;
          const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
          if (body) sent['content-type'] = 'application/json';
          recorder.clear();
          const answer = await rawRequest(runtime.url, route.method, path, sent, body);
          const label = `${route.method} ${path} ${JSON.stringify(sent).slice(0, 300)}`;
          checkRest(label, answer);
          if (answer.status >= 400) expect(recorder.writes, `${label} was refused (${answer.status}) but wrote`).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    }, 300_000);
  }

  it('/mcp: never a 5xx or an internal error, whatever the path suffix, query and headers; nothing written but liveness', async () => {
    const body = fc.constantFrom(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_task', arguments: { taskId: 'none' } } }),
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_my_tasks', arguments: { cursor: b64url({ pk: 'x', sk: 'y', assigneePk: 'AGENT_TASKS#x', assigneeSk: 'z' }) } } }),
    );
    const mcpAuth = fc.constantFrom<() => string | undefined>(() => `Bearer ${agentToken}`, () => `Bearer ${agentToken}`, () => undefined, () => `Bearer ${runtime.adminToken}`).map((get) => get());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/mcp', '/mcp/', '/mcp?x=%zz', '/mcp?%', '/mcp/%zz'), headers, mcpAuth, body, fc.constantFrom('POST', 'POST', 'GET', 'DELETE'), async (path, extra, auth, text, method) => {
        const sent: Record<string, string> = { ...(extra as Record<string, string>), 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
        if (auth) sent.authorization = auth;
        recorder.clear();
        const answer = await rawRequest(runtime.url, method, path, sent, method === 'POST' ? text : undefined);
        const label = `${method} ${path} ${JSON.stringify(sent).slice(0, 300)} ${text.slice(0, 100)}`;
        expect(answer.status, `${label} → ${answer.status} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
        const messages = Array.isArray(answer.body) ? answer.body : [answer.body];
        for (const message of messages) if (message?.error) expect(message.error.code, label).not.toBe(-32603);
        expect(recorder.writes.filter((write) => !isLivenessWrite(write)), label).toEqual([]);
      }),
      { numRuns: RUNS * 2 },
    );
  }, 300_000);
});
