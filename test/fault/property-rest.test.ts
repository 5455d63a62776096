import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { apiClient, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { recordWrites } from '../helpers/write-recorder.js';

const RUNS = Number(process.env.AIWORKER_PROPERTY_RUNS ?? 1000);

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

/** Bodies from harmless to hostile: valid-looking records with wrong values, any JSON, broken JSON, binary, huge. */
const bodyArbitrary = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))).map((value) => JSON.stringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.string().map((text) => `{"name": ${text}`),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant(''),
  fc.constant('{"name":"x","extra":' + '"y'.repeat(10) + '}'),
  fc.nat({ max: 3 }).map((n) => JSON.stringify({ title: 'x'.repeat(1024 * 1024 * (n + 1) / 2) })),
);

const contentTypeArbitrary = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined, 'application/vnd.api+json');

const queryArbitrary = fc
  .dictionary(fc.constantFrom('limit', 'cursor', 'state', 'status', 'projectId', 'assignedAgentId', 'version', 'x'), fc.oneof(fc.string(), fc.integer().map(String)))
  .map((params) => new URLSearchParams(params).toString());

describe('property: random and malformed input at every endpoint', () => {
  it('the recorder sees the writes the handlers make (so an empty record means nothing was written)', async () => {
    recorder.clear();
    expect((await api.post('/api/agents', { name: 'recorded' })).status).toBe(201);
    expect(recorder.writes.map((write) => write.command)).toContain('PutItemCommand');
  });

  for (const route of routes) {
    it(`${route.method} ${route.path}: never a 5xx, and a rejected request writes nothing`, async () => {
      const collection = route.path.split('/')[2] ?? '';
      const idArbitrary = fc.oneof(fc.constant(realIds[collection] ?? 'none'), fc.string({ minLength: 1 }), fc.uuid());
      await fc.assert(
        fc.asyncProperty(idArbitrary, queryArbitrary, bodyArbitrary, contentTypeArbitrary, fc.boolean(), async (id, query, body, contentType, authorized) => {
          const path = route.path.replace('{id}', encodeURIComponent(id)) + (query ? `?${query}` : '');
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (!authorized) headers.authorization = 'Bearer not-a-token';
          recorder.clear();
          const response = await api.call(route.method, path, undefined, { headers, raw: route.method === 'GET' || route.method === 'DELETE' ? undefined : body });
          expect(response.status, `${route.method} ${path} → ${JSON.stringify(response.body)}`).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.body?.success).toBe(false);
            expect(response.body?.error?.message).toEqual(expect.any(String));
            expect(recorder.writes, `${route.method} ${path} was rejected (${response.status}) but wrote`).toEqual([]);
          }
        }),
        { numRuns: RUNS },
      );
    }, 600_000);
  }
});
