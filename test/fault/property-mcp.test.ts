import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { advanceClock } from '../../packages/core/src/clock.js';
import { TASK_STATES } from '../../packages/core/src/schemas/task.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { isLivenessWrite, recordWrites, type RecordedWrite } from '../helpers/write-recorder.js';
import { admin, newAgent, ok, type AgentClient } from '../mcp/mcp-client.js';

/**
 * Random and malformed input at every MCP tool and at the /mcp HTTP endpoint. Properties:
 * - never an HTTP 5xx, never a JSON-RPC internal error (-32603), never a tool result that hides an
 *   internal failure: bad arguments are a JSON-RPC invalid-params error or an `isError` result with a message;
 * - a rejected call writes nothing to DynamoDB but the agent's liveness (lastSeenAt).
 *
 * The calls go as raw JSON-RPC POSTs (one HTTP request each, as an agent's client sends them); the SDK
 * client sets the scene and checks that tools/list names exactly the tools fuzzed here.
 */

/** Calls per tool (and requests per endpoint property). */
const RUNS = Number(process.env.AIWORKER_PROPERTY_RUNS ?? 1000);
/**
 * Calls in flight at once, each from its own fuzzing agent (a "lane"). Most of a call's time is spent
 * waiting for DynamoDB Local; several lanes keep both cores busy. The writes of a batch are still told
 * apart: see `batch`.
 */
const LANES = Number(process.env.AIWORKER_PROPERTY_LANES ?? 8);

type Agent = AgentClient & { agent: any; token: string };

let runtime: Runtime;
let recorder: ReturnType<typeof recordWrites>;
let lanes: Agent[] = [];
let other: Agent;
/** Ids that exist: each lane's own finished task and its job, a task and a job another agent holds, a project, agents. */
const real = { tasks: [] as string[], jobs: [] as string[], otherTask: '', otherJob: '', project: '', agents: [] as string[] };
let toolNames: string[] = [];

/** Stand-ins in generated arguments for the calling lane's own task, job and agent id, filled in when sent. */
const OWN = { task: '@own-task@', job: '@own-job@', agent: '@own-agent@' };
const fillOwn = (text: string, lane: number) =>
  text.replaceAll(OWN.task, real.tasks[lane]).replaceAll(OWN.job, real.jobs[lane]).replaceAll(OWN.agent, real.agents[lane]);

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  const api = admin(runtime);
  const project = await createProject(api);
  await Promise.all(Array.from({ length: LANES + 1 }, () => createTask(api, project.id)));
  [lanes, other] = await Promise.all([Promise.all(Array.from({ length: LANES }, () => newAgent(runtime))), newAgent(runtime)]);

  // Each lane's task: claimed, branch job requested, handed to review (assigned to the lane, no longer held).
  const scenes = await Promise.all(
    lanes.map(async (lane) => {
      const own = (await lane.call('get_next_task', { projectId: project.id })).structured.task;
      const ownJob = (await lane.call('create_branch', { taskId: own.id })).structured.job;
      expect((await lane.call('update_task_status', { taskId: own.id, state: 'ready_to_test' })).structured.task.state).toBe('ready_to_test');
      return { task: own.id as string, job: ownJob.id as string };
    }),
  );
  real.tasks = scenes.map((scene) => scene.task);
  real.jobs = scenes.map((scene) => scene.job);
  expect(new Set(real.tasks).size).toBe(LANES);
  // Another agent holds the last task, with a job of its own.
  const theirs = (await other.call('get_next_task', { projectId: project.id })).structured.task;
  const otherJob = (await other.call('create_branch', { taskId: theirs.id })).structured.job;
  Object.assign(real, { otherTask: theirs.id, otherJob: otherJob.id, project: project.id, agents: [...lanes, other].map((lane) => lane.agent.id) });
  // The backlog is empty from here on: get_next_task answers "no task", and no call can change the scene.
  expect(ok(await api.get('/api/tasks?state=backlog')).length).toBe(0);
  toolNames = (await lanes[0].client.listTools()).tools.map((tool) => tool.name);
  recorder = recordWrites();
}, 120_000);

afterAll(async () => {
  recorder?.stop();
  await Promise.all([...lanes, other].map((agent) => agent?.close()));
  await runtime?.stop();
});

let nextId = 1;

async function post(body: string, token: string | null, headers: Record<string, string> = {}, method = 'POST') {
  const response = await fetch(`${runtime.url}/mcp`, {
    method,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, text };
}

const toolCall = (name: unknown, args: unknown) => JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } });

/** The writes that are not an agent's liveness. */
const substantiveWrites = () => recorder.writes.filter((write) => !isLivenessWrite(write));

/** The agent item a write puts, if it is a put of an agent. */
function agentPut(write: RecordedWrite): string | undefined {
  if (write.command !== 'PutCommand' && write.command !== 'PutItemCommand') return undefined;
  const pk = (write.input as { Item?: { pk?: unknown } }).Item?.pk;
  const key = typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S;
  return key?.startsWith('AGENT#') ? key.slice('AGENT#'.length) : undefined;
}

/**
 * Sends one request per lane at once and checks every answer. Then the writes: in this scene (the
 * backlog empty, no lane holding a task) the only tool call that may write is an accepted `heartbeat`,
 * and it writes only its own agent; a rejected call writes nothing. Anything else but liveness fails.
 */
async function batch(requests: Array<{ body: string; label: string; token?: string | null; headers?: Record<string, string>; method?: string }>) {
  recorder.clear();
  const answers = await Promise.all(
    requests.map((request, lane) => post(fillOwn(request.body, lane), request.token === undefined ? lanes[lane].token : request.token, request.headers, request.method)),
  );
  const heartbeats = new Set<string>();
  const rejected = answers.map((answer, lane) => {
    const refused = checkAnswer(fillOwn(requests[lane].label, lane), answer);
    if (!refused && /"name":"heartbeat"/.test(requests[lane].body) && requests[lane].token === undefined) heartbeats.add(lanes[lane].agent.id);
    return refused;
  });
  const unexpected = substantiveWrites().filter((write) => !heartbeats.has(agentPut(write) ?? ''));
  expect(unexpected, `${requests.map((request, lane) => fillOwn(request.label, lane)).join('\n')}\nwrote ${JSON.stringify(unexpected).slice(0, 1000)}`).toEqual([]);
  return answers.map((answer, lane) => ({ ...answer, rejected: rejected[lane] }));
}

/** What every answer must satisfy; returns whether the call was rejected. */
function checkAnswer(label: string, response: { status: number; body: any; text: string }): boolean {
  expect(response.status, `${label} → ${response.status} ${response.text.slice(0, 500)}`).toBeLessThan(500);
  const messages = Array.isArray(response.body) ? response.body : [response.body];
  let rejected = response.status >= 400;
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    if (message.error) {
      rejected = true;
      expect(message.error.code, `${label} → ${JSON.stringify(message.error).slice(0, 500)}`).not.toBe(-32603);
      expect(message.error.message, label).toEqual(expect.any(String));
    }
    const result = message.result;
    if (result?.isError) {
      rejected = true;
      const text = (result.content ?? []).map((part: { text?: string }) => part.text ?? '').join('\n');
      expect(text.length, `${label}: an error result without a message`).toBeGreaterThan(0);
      expect(text, label).not.toMatch(/Internal error|Output validation error/);
    }
  }
  return rejected;
}

// ---------- arbitraries ----------

const HUGE = 'x'.repeat(200_000);

/** Anything JSON can carry, hostile shapes included. */
const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.string(),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, '', ' ', HUGE, '__proto__', 'constructor', '\u0000', '💥'.repeat(50)),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);

/** Ids: the caller's own, other agents', of the wrong kind, well-formed unknown ones, and garbage. */
const idValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(OWN.task, OWN.job, OWN.agent) },
  { weight: 3, arbitrary: fc.nat({ max: LANES }).chain((index) => fc.constantFrom(() => real.tasks[index] ?? real.otherTask, () => real.jobs[index] ?? real.otherJob, () => real.otherTask, () => real.otherJob, () => real.project, () => real.agents[index]).map((get) => get())) },
  { weight: 2, arbitrary: fc.uuid() },
  fc.string({ minLength: 1, maxLength: 100 }),
  fc.constantFrom('', ' ', 'x'.repeat(101), HUGE, '../../etc/passwd', 'TASK#x', 'AGENT#x', '%00', 'null'),
  anyValue,
);

const stateValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TASK_STATES) },
  fc.constantFrom('IN_PROGRESS', 'done', 'review', '', ' in_progress', 'in_progress '),
  anyValue,
);

const waitValue = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.constantFrom(0, 25, 26, -1, 1.5, 1e9, -0, '5', null, true),
  fc.double({ noNaN: true }),
  anyValue,
);

const textValue = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('', '   ', 'x'.repeat(10_001), HUGE), anyValue);

const limitValue = fc.oneof(fc.integer({ min: -10, max: 200 }), fc.constantFrom(0, 1, 100, 101, 2.5, '10', null), anyValue);

const cursorValue = fc.oneof(fc.string({ maxLength: 100 }), fc.base64String({ maxLength: 200 }), fc.constantFrom('', 'x'.repeat(2001), 'eyJwayI6IlRBU0sjeCJ9'), anyValue);

/** Per tool: the arguments it takes, each with values from right to hostile. */
const fieldValues: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  get_next_task: { projectId: idValue },
  update_task_status: { taskId: idValue, state: stateValue, question: textValue, note: textValue, hold: fc.boolean() },
  create_branch: { taskId: idValue, wait: waitValue },
  create_pull_request: { taskId: idValue, title: textValue, body: textValue, wait: waitValue },
  get_task: { taskId: idValue },
  list_my_tasks: { state: stateValue, limit: limitValue, cursor: cursorValue },
  get_job: { jobId: idValue },
  heartbeat: {},
  create_task: { title: textValue, description: textValue, priority: limitValue, dependsOn: fc.array(idValue, { maxLength: 3 }), parentId: idValue },
  append_log: {
    taskId: idValue,
    attempt: limitValue,
    lines: fc.array(fc.record({ stream: fc.constantFrom('stdout', 'stderr', 'step', 'bogus'), text: textValue, at: fc.constantFrom('2026-01-01T00:00:00Z', 'yesterday') }, { requiredKeys: [] }), { maxLength: 3 }),
  },
  report_attempt: { taskId: idValue, attempt: limitValue, seconds: limitValue, exit: textValue, inputTokens: limitValue, outputTokens: limitValue, costUsd: fc.oneof(fc.double(), limitValue) },
};

/** Tools that can succeed in this scene: the reads, get_next_task (no task waiting) and heartbeat. */
const ACCEPTING_TOOLS = ['get_next_task', 'get_task', 'list_my_tasks', 'get_job', 'heartbeat'];

const unknownFields = fc.dictionary(fc.constantFrom('agentId', 'assignedAgentId', 'id', 'version', 'extra', '__proto__', 'constructor', 'toString'), anyValue, { maxKeys: 2 });

function argumentsFor(tool: string): fc.Arbitrary<unknown> {
  const fields = fieldValues[tool] ?? {};
  const keys = Object.keys(fields);
  const nearValid = keys.length
    ? fc.record(fields, { requiredKeys: [] })
    : fc.constant({});
  return fc.oneof(
    { weight: 6, arbitrary: nearValid },
    { weight: 2, arbitrary: fc.tuple(nearValid, unknownFields).map(([args, extra]) => ({ ...(args as object), ...extra })) },
    fc.dictionary(fc.string({ maxLength: 20 }), anyValue, { maxKeys: 5 }),
    fc.constantFrom(undefined, null, [], 'arguments', 42, true, [{ taskId: 'x' }]),
  );
}

describe('property: random and malformed input at every MCP tool', () => {
  it('the scene is set through the SDK client, and the recorder sees the writes the MCP calls make', async () => {
    expect(toolNames.sort()).toEqual(Object.keys(fieldValues).sort());
    recorder.clear();
    expect((await lanes[0].call('heartbeat')).isError).toBe(false);
    expect(substantiveWrites().map(agentPut)).toContain(lanes[0].agent.id);
    // A liveness-only write is recognised as such (a request after the 1 s freshness window: core's clock moved past it).
    advanceClock(1_100);
    recorder.clear();
    const response = await post(toolCall('get_task', { taskId: 'no-such-task' }), lanes[1].token);
    expect(response.body.result.isError).toBe(true);
    expect(recorder.writes.length).toBe(1);
    expect(substantiveWrites()).toEqual([]);
    // And a batch that writes something it may not is caught.
    recorder.clear();
    await expect(batch([{ body: toolCall('heartbeat', {}), label: 'heartbeat of another lane', token: lanes[1].token }])).rejects.toThrow(/wrote/);
  });

  for (const tool of Object.keys(fieldValues)) {
    it(`${tool}: never a 5xx or an internal error, and a rejected call writes nothing but liveness`, async () => {
      const count = { calls: 0, accepted: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(argumentsFor(tool), { minLength: LANES, maxLength: LANES }), async (argsPerLane) => {
          const answers = await batch(argsPerLane.map((args) => ({ body: toolCall(tool, args), label: `${tool}(${JSON.stringify(args)?.slice(0, 300)})` })));
          for (const answer of answers) expect(answer.body?.result ?? answer.body?.error).toBeDefined();
          count.calls += answers.length;
          count.accepted += answers.filter((answer) => !answer.rejected).length;
        }),
        { numRuns: Math.ceil(RUNS / LANES) },
      );
      expect(count.calls).toBeGreaterThanOrEqual(RUNS);
      // The near-valid arguments reach the tool's success path too (the mutating tools cannot succeed in this scene).
      if (ACCEPTING_TOOLS.includes(tool)) expect(count.accepted, `${tool}: accepted ${count.accepted} of ${count.calls}`).toBeGreaterThan(RUNS / 50);
      else expect(count.accepted).toBe(0);
      console.log(`${tool}: ${count.calls} calls, ${count.accepted} accepted`);
    }, 600_000);
  }

  it('unknown tools, broken params and resource reads: never a 5xx or an internal error, and no writes', async () => {
    const params = fc.oneof(
      fc.record({ name: fc.oneof(fc.string(), anyValue), arguments: anyValue }, { requiredKeys: [] }),
      fc.record({ name: fc.constantFrom(...Object.keys(fieldValues)), arguments: anyValue, _meta: anyValue, task: anyValue }, { requiredKeys: ['name'] }),
      anyValue,
    );
    const uri = fc.oneof(
      fc.constantFrom(() => `aiworker://tasks/${OWN.task}`, () => `aiworker://tasks/${real.otherTask}`, () => `aiworker://projects/${real.project}`, () => 'aiworker://projects/none', () => 'aiworker://tasks/', () => 'file:///etc/passwd').map((get) => get()),
      fc.webUrl(),
      fc.string(),
      anyValue,
    );
    const request = fc.oneof(
      params.map((value) => ({ method: 'tools/call', params: value })),
      uri.map((value) => ({ method: 'resources/read', params: { uri: value } })),
      fc.record({ method: fc.constantFrom('resources/read', 'resources/list', 'resources/templates/list', 'tools/list', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel', 'ping', 'initialize'), params: anyValue }, { requiredKeys: ['method'] }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: LANES, maxLength: LANES }), async (messages) => {
        const bodies = messages.map((message) => JSON.stringify({ jsonrpc: '2.0', id: nextId++, ...message }));
        await batch(bodies.map((body) => ({ body, label: body.slice(0, 300) })));
      }),
      { numRuns: Math.ceil(RUNS / LANES) },
    );
  }, 600_000);
});

describe('property: malformed JSON-RPC at the /mcp endpoint', () => {
  it('never a 5xx or an internal error, and nothing written but liveness', async () => {
    const validCall = () => ({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'get_task', arguments: { taskId: OWN.task } } });
    const body = fc.oneof(
      fc.string(),
      fc.constantFrom('', '{', '[]', '[{}]', 'null', '0', '"x"', '{"jsonrpc":"2.0",', '\u0000', HUGE, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'.repeat(2)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.record({ jsonrpc: fc.oneof(fc.constantFrom('2.0', '1.0', '3.0', 2, null), anyValue), id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), anyValue), method: fc.oneof(fc.constantFrom('tools/call', 'tools/list', 'initialize', 'no/such', 'notifications/initialized', 'notifications/cancelled', ''), fc.string(), anyValue), params: anyValue }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      fc.array(fc.oneof(fc.constant(null).map(validCall), anyValue), { minLength: 1, maxLength: 4 }).map((batch) => JSON.stringify(batch)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    const headers = fc.record(
      {
        'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '', 'multipart/form-data', 'application/jsonx'),
        accept: fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/event-stream', '*/*', 'text/html', ''),
        'mcp-protocol-version': fc.constantFrom('2025-06-18', '2025-03-26', '1999-01-01', 'garbage', ''),
        'mcp-session-id': fc.constantFrom('abc', ''),
      },
      { requiredKeys: [] },
    );
    const method = fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT', 'PATCH');
    /** undefined: the lane's own token. */
    const token = fc.constantFrom<() => string | null | undefined>(() => undefined, () => undefined, () => undefined, () => null, () => 'aiw_garbage', () => runtime.adminToken, () => `${lanes[0].token}x`).map((get) => get());
    const request = fc.record({ text: body, extra: headers, verb: method, bearer: token });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: LANES, maxLength: LANES }), async (requests) => {
        const sent = requests.map(({ text, extra, verb, bearer }) => ({
          body: text,
          token: bearer,
          method: verb,
          headers: Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== '')) as Record<string, string>,
          label: `${verb} ${JSON.stringify(extra)} ${bearer === undefined ? 'own token' : String(bearer).slice(0, 12)} ${text.slice(0, 200)}`,
        }));
        // A JSON-RPC batch may carry a valid call (get_task, a read): still nothing but liveness is written.
        const answers = await batch(sent);
        answers.forEach((answer, index) => {
          if (sent[index].token !== undefined && sent[index].method === 'POST') expect(answer.status, sent[index].label).toBe(401);
        });
      }),
      { numRuns: Math.ceil(RUNS / LANES) },
    );
  }, 600_000);
});
