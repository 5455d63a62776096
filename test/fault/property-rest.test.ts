import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { apiClient, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { recordWrites } from '../helpers/write-recorder.js';

/** Requests per endpoint. */
const RUNS = Number(process.env.AIWORKER_PROPERTY_RUNS ?? 1000);
/**
 * Requests in flight at once (a "lane" each). Most of a request's time is spent waiting for DynamoDB Local;
 * several at once keep both cores busy. The writes are still told apart: each request carries its own
 * X-Correlation-Id, and the recorder notes the correlation id in scope at each write (see `send`).
 */
const LANES = Number(process.env.AIWORKER_PROPERTY_LANES ?? 4);
let requestNumber = 0;
/**
 * Routes whose handlers answer outside a correlation scope (the browser's sign-in redirects, Gitea's webhook):
 * their writes could not be told apart, so their requests go one at a time.
 */
const UNCORRELATED = new Set(['GET /api/auth/gitea/login', 'GET /api/auth/gitea/callback', 'POST /api/webhooks/gitea']);

let runtime: Runtime;
let api: ApiClient;
let recorder: ReturnType<typeof recordWrites>;
const realIds: Record<string, string> = {};

beforeAll(async () => {
  // Hundreds of wrong-token requests from 127.0.0.1 would be answered 429 after the first twenty; scaled up, the
  // properties reach the validation behind the limiter (the limiter itself is tested in test/api/rate-limits).
  process.env.AIWORKER_RATE_LIMIT_SCALE = '1000';
  // No worker or sweeper: the recorder must see only what a request wrote, not a background job's writes.
  runtime = await startTestRuntime({ worker: false, sweeper: false });
  api = apiClient(runtime.url, runtime.adminToken);
  const project = await createProject(api);
  const task = await createTask(api, project.id);
  const agent = await registerAgent(api);
  Object.assign(realIds, { projects: project.id, tasks: task.id, agents: agent.id });
  recorder = recordWrites();
});
afterAll(async () => {
  recorder?.stop();
  await runtime?.stop();
});

const fieldNames = ['name', 'title', 'projectId', 'priority', 'state', 'version', 'description', 'giteaOwner', 'giteaRepo', 'defaultBranch', 'capabilities', 'response', 'question', 'status', 'token', '__proto__', 'constructor'];

/** Titles of 0.5, 1, 1.5 and 2 MiB: made once (building them per request was 40% of this file's time). */
const HUGE_BODIES = [0, 1, 2, 3].map((n) => JSON.stringify({ title: 'x'.repeat((1024 * 1024 * (n + 1)) / 2) }));

/** Bodies from harmless to hostile: valid-looking records with wrong values, any JSON, broken JSON, binary, huge. */
const bodyArbitrary = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))).map((value) => JSON.stringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.string().map((text) => `{"name": ${text}`),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant(''),
  fc.constant('{"name":"x","extra":' + '"y'.repeat(10) + '}'),
  fc.nat({ max: 3 }).map((n) => HUGE_BODIES[n]),
);

const contentTypeArbitrary = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined, 'application/vnd.api+json');

const queryArbitrary = fc
  .dictionary(fc.constantFrom('limit', 'cursor', 'state', 'status', 'projectId', 'assignedAgentId', 'version', 'x'), fc.oneof(fc.string(), fc.integer().map(String)))
  .map((params) => new URLSearchParams(params).toString());

describe('property: random and malformed input at every endpoint', () => {
  it('the recorder sees the writes the handlers make (so an empty record means nothing was written), each with its request\'s correlation id', async () => {
    recorder.clear();
    expect((await api.post('/api/agents', { name: 'recorded' }, { headers: { 'x-correlation-id': 'recorder-check' } })).status).toBe(201);
    expect(recorder.writes.map((write) => write.command)).toContain('PutItemCommand');
    expect(recorder.writes.map((write) => write.correlationId)).toEqual(recorder.writes.map(() => 'recorder-check'));
  });

  for (const route of routes) {
    it(`${route.method} ${route.path}: never a 5xx, and a rejected request writes nothing`, async () => {
      const collection = route.path.split('/')[2] ?? '';
      const idArbitrary = fc.oneof(fc.constant(realIds[collection] ?? 'none'), fc.string({ minLength: 1 }), fc.uuid());
      const requestArbitrary = fc.tuple(idArbitrary, queryArbitrary, bodyArbitrary, contentTypeArbitrary, fc.boolean());
      const lanes = UNCORRELATED.has(`${route.method} ${route.path}`) ? 1 : LANES;
      /** Sends one request with its own correlation id; answers whether it was rejected. */
      async function send([id, query, body, contentType, authorized]: [string, string, string, string | undefined, boolean], correlation: string, label: string[]): Promise<boolean> {
        const path = route.path.replace('{id}', encodeURIComponent(id)) + (query ? `?${query}` : '');
        const headers: Record<string, string> = { 'x-correlation-id': correlation };
        if (contentType) headers['content-type'] = contentType;
        if (!authorized) headers.authorization = 'Bearer not-a-token';
        const response = await api.call(route.method, path, undefined, { headers, raw: route.method === 'GET' || route.method === 'DELETE' ? undefined : body });
        expect(response.status, `${route.method} ${path} → ${JSON.stringify(response.body)}`).toBeLessThan(500);
        label.push(`${correlation}: ${route.method} ${path} → ${response.status}`);
        if (response.status < 400) return false;
        expect(response.body?.success).toBe(false);
        expect(response.body?.error?.message).toEqual(expect.any(String));
        return true;
      }
      await fc.assert(
        fc.asyncProperty(fc.array(requestArbitrary, { minLength: lanes, maxLength: lanes }), async (requests) => {
          const correlations = requests.map(() => `property-rest-${++requestNumber}`);
          const labels: string[] = [];
          recorder.clear();
          const rejected = await Promise.all(requests.map((request, lane) => send(request, correlations[lane], labels)));
          if (lanes === 1) {
            if (rejected[0]) expect(recorder.writes, `${labels[0]} was rejected but wrote`).toEqual([]);
            return;
          }
          // Every write is an accepted request's, made in its scope: none carries a rejected request's
          // correlation id, and none carries no id at all.
          const accepted = new Set(correlations.filter((_, lane) => !rejected[lane]));
          const unexplained = recorder.writes.filter((write) => !write.correlationId || !accepted.has(write.correlationId));
          expect(unexplained, `${labels.join('; ')}: a rejected request wrote`).toEqual([]);
        }),
        { numRuns: Math.ceil(RUNS / lanes) },
      );
    }, 600_000);
  }
});
