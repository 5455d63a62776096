/**
 * Cold start: every bundle of `npm run build`, imported by a FRESH `node` process that answers its first real
 * event (API Gateway v2 for REST, function URL for MCP, SQS for the worker, a schedule for the sweeper),
 * against a floor that does the same physical work: a fresh `node` process that creates the bare SDK's
 * clients and makes exactly the calls the function made on its first request (recorded on the wire by a
 * pass-through proxy during an untimed first run, and sent side by side where the function sent them side
 * by side; bench/cold-start-floors/), bundled by the same build. For MCP the floor is a bare SDK-v2 MCP
 * server answering the same request after the same calls. Wall time from spawn to the result written and
 * said done, both sides alike; runs interleaved, the order alternating (floors then bundle, bundle then
 * floors, …): BENCH_COLD_REPS (default 15) repetitions; the target is judged on the median of each
 * repetition's own ratio (coldFigure), the medians of both sides shown beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createProject, createTask, registerAgent, requestBranch, transitionTask } from '../packages/core/src/index.js';
import { createPersonToken } from '../packages/core/src/services/person-tokens.js';
import { invokeInFreshNode, type FreshInvocation } from '../packages/local/src/fresh-node.js';
import { secretEnvironment } from '../packages/local/src/secrets.js';
import { httpEventV2, mcpPostEvent } from '../packages/local/src/lambda-events.js';
import { ensureQueues } from '../packages/local/src/provision.js';
import { routes, type RouteDefinition } from '../infra/routes.js';
import { buildFunctions, type BuiltBundle } from '../scripts/build.js';
import { deployables, nodeOptions, type Deployable } from '../stacks/deployables.js';
import { figure, judgedOnPairs, percentile, round, type Figure } from './stats.js';
import { replayCalls, startCallRecorder } from './call-recorder.js';
import { roundTripsInSequence, type ReplayCalls } from './cold-start-floors/replay.js';
import { floorFor, type FloorLibraries } from './cold-start-floors/generate.js';
import { readPriorItems, restorePriorItems, type PriorItem } from './cold-start-floors/pre-state.js';
import type { BenchContext } from './context.js';

const REPS = Number(process.env.BENCH_COLD_REPS ?? 15);
const SETTINGS = process.env.BENCH_COLD_BUILD === 'project' ? 'project' : 'sst';
/** BENCH_COLD_ONLY=tasks/get,mcp: only the functions whose handler path contains one of these (while tuning one). */
const ONLY = process.env.BENCH_COLD_ONLY?.split(',').map((part) => part.trim()).filter(Boolean);
/**
 * Targets (issue 21): every function ≤ 1.15× its floor making the same calls; MCP ≤ 1.3× a bare SDK-v2 MCP
 * server making the same calls.
 */
const targetOf = (kind: string) => ({ max: kind === 'mcp' ? 1.3 : 1.15 });

interface Fixtures {
  projectId: string;
  taskId: string;
  jobId: string;
  agentId: string;
  agentToken: string;
}

const json = (body: unknown) => Buffer.from(JSON.stringify(body));

/** The event for one REST route; `fresh` makes what a destructive route needs (untimed, before the spawn). */
async function restEvent(route: RouteDefinition, fx: Fixtures, adminToken: string): Promise<unknown> {
  let id: string | undefined;
  let body: Buffer | undefined;
  let token: string | undefined = route.auth === 'none' ? undefined : adminToken;
  let query = '';
  const key = `${route.method} ${route.path}`;
  switch (key) {
    case 'POST /api/projects':
      body = json({ name: 'cold', giteaOwner: 'bench', giteaRepo: 'cold' });
      break;
    case 'GET /api/projects/{id}':
      id = fx.projectId;
      break;
    case 'PATCH /api/projects/{id}':
      id = fx.projectId;
      body = json({ description: 'touched by the cold-start bench' });
      break;
    case 'DELETE /api/projects/{id}':
      id = (await createProject({ name: 'cold delete', giteaOwner: 'bench', giteaRepo: 'cold', defaultBranch: 'main' })).id;
      break;
    case 'GET /api/tasks':
      query = `?projectId=${fx.projectId}&limit=10`;
      break;
    case 'POST /api/tasks':
      body = json({ projectId: fx.projectId, title: 'cold task' });
      break;
    case 'GET /api/tasks/{id}':
    case 'GET /api/tasks/{id}/events':
    case 'GET /api/tasks/{id}/jobs':
      id = fx.taskId;
      break;
    case 'PATCH /api/tasks/{id}':
      id = fx.taskId;
      body = json({ title: 'cold task, renamed' });
      break;
    case 'DELETE /api/tasks/{id}':
      id = (await createTask({ projectId: fx.projectId, title: 'cold delete', priority: 1 })).id;
      break;
    case 'POST /api/tasks/{id}/respond': {
      const task = await createTask({ projectId: fx.projectId, title: 'cold respond', priority: 1 });
      await transitionTask(task.id, { to: 'in_progress' });
      await transitionTask(task.id, { to: 'needs_input', question: 'which one?' });
      id = task.id;
      body = json({ response: 'this one' });
      break;
    }
    case 'POST /api/tasks/{id}/branch': {
      const task = await createTask({ projectId: fx.projectId, title: 'cold branch', priority: 1 });
      await transitionTask(task.id, { to: 'in_progress' });
      id = task.id;
      break;
    }
    case 'POST /api/tasks/{id}/pull-request':
      // No branch yet: answered 409 after reading the task (still the handler's whole path).
      id = fx.taskId;
      body = json({});
      break;
    case 'POST /api/tasks/{id}/merge':
      // Not approved: answered 409 after reading the task.
      id = fx.taskId;
      break;
    case 'GET /api/jobs/{id}':
      id = fx.jobId;
      break;
    case 'GET /api/agents/{id}':
      id = fx.agentId;
      break;
    case 'PATCH /api/agents/{id}':
      id = fx.agentId;
      body = json({ capabilities: ['typescript'] });
      break;
    case 'DELETE /api/agents/{id}':
      id = (await registerAgent({ name: 'cold delete', capabilities: [] })).id;
      break;
    case 'POST /api/agents':
      body = json({ name: 'cold agent' });
      break;
    case 'POST /api/people/tokens':
      body = json({ name: 'cold token', scope: 'read' });
      break;
    case 'DELETE /api/people/tokens/{id}':
      // The admin token's own tokens: one made for this run.
      id = (await createPersonToken('admin', { name: 'cold delete', scope: 'read' })).id;
      break;
    case 'POST /api/agents/{id}/heartbeat':
      id = fx.agentId;
      token = fx.agentToken;
      break;
    default:
      // A route added since this bench learnt its events: the id of the fixture its path names (the answer may
      // be a 4xx, which is still the handler's cold path).
      if (route.path.includes('{id}')) {
        id = route.path.startsWith('/api/projects/') ? fx.projectId : route.path.startsWith('/api/tasks/') ? fx.taskId : route.path.startsWith('/api/agents/') ? fx.agentId : route.path.startsWith('/api/jobs/') ? fx.jobId : undefined;
        if (!id) throw new Error(`cold-start bench: no event for ${key}`);
      }
  }
  const path = route.path.replace('{id}', id ?? '');
  const headers: Record<string, string> = { host: 'api.example.test', 'user-agent': 'bench' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  return httpEventV2({
    method: route.method,
    url: new URL(`https://api.example.test${path}${query}`),
    headers,
    body: body ?? Buffer.alloc(0),
    routeKey: `${route.method} ${route.path}`,
    pathParameters: id ? { id } : undefined,
  });
}

const mcpEvent = (agentToken: string) => mcpPostEvent({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, agentToken);

function sqsEvent() {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: 'cold-1',
        receiptHandle: 'receipt-cold-1',
        // A job that does not exist: the worker reads it, finds nothing to run, and acknowledges the message.
        body: JSON.stringify({ jobId: 'job_cold_start_unknown' }),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'bench', ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:aiworker-jobs',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

const scheduledEvent = () => ({
  version: '0',
  id: 'cold-start',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:000000000000:rule/sweeper'],
  detail: {},
});

type Timing = NonNullable<FreshInvocation['timing']>;
/** Medians inside the process: Node's own start, the bundle's import, the first invocation. */
const medianParts = (timings: Timing[]) => {
  const median = (key: keyof Timing) => Math.round(percentile(timings.map((timing) => timing[key]), 50) * 10) / 10;
  return { boot: median('bootMs'), import: median('importMs'), firstInvocation: median('handlerMs') };
};

/**
 * A cold start's figure: the medians of both sides as value and floor, the target judged on the paired ratio.
 * Fresh processes here take one of two times about 50 ms apart (e.g. `tasks/log`'s own runs 203–237 or
 * 268–301 ms, its floor's alike): a ratio of medians then jumps by that gap whenever one side happens to
 * draw more slow runs than the other (`tasks/log` 1.20× with 9 of 15 slow against the floor's 4, paired
 * 1.03×), while the pairs' ratios fall on both sides of the true one and their median stays put. The ratio
 * of medians stays in `extra.ratioOfMedians`.
 */
function coldFigure(name: string, ours: number[], floor: number[], kind: string, extra: Record<string, unknown>): Figure {
  const result = figure(name, percentile(ours, 50), percentile(floor, 50), 'ms', targetOf(kind), extra);
  return judgedOnPairs(result, ours, floor, targetOf(kind), "the median of the repetitions' own ratios (each run over its floor run beside it)", 'ratioOfMedians');
}

/** Checks that the answer is a real one (no 5xx, the expected shape) and returns a short description. */
function describeAnswer(bundle: BuiltBundle, result: any): string {
  const kind = bundle.fn.kind;
  if (kind === 'rest' || kind === 'mcp') {
    if (typeof result?.statusCode !== 'number' || result.statusCode >= 500) throw new Error(`${bundle.fn.handler} answered ${JSON.stringify(result).slice(0, 500)}`);
    if (kind === 'mcp') {
      const text: string = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
      const tools = JSON.parse(text)?.result?.tools;
      if (!Array.isArray(tools) || tools.length === 0) throw new Error(`MCP tools/list answered ${text.slice(0, 500)}`);
      return `${result.statusCode} (${tools.length} tools)`;
    }
    return String(result.statusCode);
  }
  if (kind === 'worker') {
    if (!Array.isArray(result?.batchItemFailures) || result.batchItemFailures.length) throw new Error(`worker answered ${JSON.stringify(result)}`);
    return 'batchItemFailures: []';
  }
  if (!result || typeof result !== 'object') throw new Error(`sweeper answered ${JSON.stringify(result)}`);
  return 'swept';
}

export async function benchColdStart(ctx: BenchContext): Promise<Figure[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'aiworker-bench-bundles-'));
  try {
    // Bundled as SST bundles them on deploy (scripts/build.ts sstEsbuildOptions: what AWS runs), or with the
    // project's own `npm run build` settings (BENCH_COLD_BUILD=project); the floor is bundled the same way.
    const chosen = deployables().filter((fn) => !ONLY || ONLY.some((part) => fn.handler.includes(part)));
    const bundles = await buildFunctions({ outdir, functions: chosen, settings: SETTINGS });

    // The processes get only what Lambda would give them: region, credentials, endpoints, table, queue, token.
    // A queue of their own, so the branch job the cold branch handler enqueues never reaches the job bench.
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const sqs = new SQSClient({ endpoint: ctx.sqsEndpoint, region });
    const queues = await ensureQueues(sqs, 'bench-cold-');
    sqs.destroy();
    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: ctx.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: ctx.sqsEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AIWORKER_TABLE: ctx.tableName,
      AIWORKER_QUEUE_URL: queues.queueUrl,
      AIWORKER_DLQ_URL: queues.deadLetterUrl,
      ...secretEnvironment({ AdminToken: ctx.adminToken }),
      // Node's options as the stacks set them, plus a diagnostic knob: e.g. `--import ./trace.mjs` to trace what
      // every fresh process does.
      NODE_OPTIONS: [nodeOptions, process.env.BENCH_COLD_NODE_OPTIONS].filter(Boolean).join(' '),
    };

    const project = await createProject({ name: 'cold start', giteaOwner: 'bench', giteaRepo: 'cold', defaultBranch: 'main' });
    const task = await createTask({ projectId: project.id, title: 'cold start task', priority: 1 });
    await transitionTask(task.id, { to: 'in_progress' });
    const agent = await registerAgent({ name: 'cold start agent', capabilities: [] });
    // The in-process producer sends to the runtime's queue: point it at the cold-start queue for this one job.
    const queueUrl = process.env.AIWORKER_QUEUE_URL;
    process.env.AIWORKER_QUEUE_URL = queues.queueUrl;
    const job = await requestBranch(task.id).finally(() => (process.env.AIWORKER_QUEUE_URL = queueUrl));
    const fx: Fixtures = { projectId: project.id, taskId: task.id, jobId: job.id, agentId: agent.id, agentToken: agent.token };

    const eventFor = async (bundle: BuiltBundle): Promise<unknown> => {
      switch (bundle.fn.kind) {
        case 'rest':
          return restEvent(routes.find((route) => route.handler === bundle.fn.handler)!, fx, ctx.adminToken);
        case 'mcp':
          return mcpEvent(agent.token);
        case 'worker':
          return sqsEvent();
        default:
          return scheduledEvent();
      }
    };
    // The first run of each bundle, untimed, warms the OS file cache and DynamoDB Local, and records on the
    // wire (through pass-through proxies) the calls its first request makes: its floor replays them.
    // The recorder also reads, before each write goes through, the items it is about to change: each floor run
    // starts from that state again (restored untimed, before its spawn), so its writes succeed as the
    // function's did instead of being refused (a refused write is cheaper for DynamoDB).
    const dynamo = new DynamoDBClient({ endpoint: ctx.dynamoEndpoint, region });
    const dynamoRecorder = await startCallRecorder(ctx.dynamoEndpoint, (target, body) => readPriorItems(dynamo, target, body));
    const sqsRecorder = await startCallRecorder(ctx.sqsEndpoint);
    const recordingEnv = { ...env, AWS_ENDPOINT_URL_DYNAMODB: dynamoRecorder.endpoint, AWS_ENDPOINT_URL_SQS: sqsRecorder.endpoint };
    const recordings = new Map<BuiltBundle, { fn: Deployable; stackFn: Deployable; replay: ReplayCalls; calls: Record<string, number>; prior: PriorItem[] }>();
    try {
      for (const bundle of bundles) {
        dynamoRecorder.take();
        sqsRecorder.take();
        describeAnswer(bundle, (await invokeInFreshNode(bundle.file, await eventFor(bundle), recordingEnv)).result);
        const recorded = [...dynamoRecorder.take(), ...sqsRecorder.take()].sort((a, b) => a.startMs - b.startMs);
        const calls: Record<string, number> = {};
        for (const call of recorded) calls[call.target.split('.').pop()!] = (calls[call.target.split('.').pop()!] ?? 0) + 1;
        const prior = recorded.flatMap((call) => {
          if (call.before === undefined) return [];
          if (!Array.isArray(call.before)) throw new Error(`Could not read what ${call.target} of ${bundle.fn.handler} was about to write: ${JSON.stringify(call.before)}`);
          return call.before as PriorItem[];
        });
        const targets = recorded.map((call) => call.target);
        const mcp = bundle.fn.kind === 'mcp';
        recordings.set(bundle, { fn: floorFor(targets, mcp), stackFn: floorFor(targets, mcp, 'stack', bundle.fn.kind), replay: replayCalls(recorded), calls, prior });
      }
    } finally {
      await dynamoRecorder.stop();
      await sqsRecorder.stop();
    }
    // Each function's floor, bundled as the functions were (functions with the same calls share one).
    const floorFns = [...new Map([...recordings.values()].flatMap(({ fn, stackFn }) => [[fn.id, fn], [stackFn.id, stackFn]] as const)).values()];
    const floorBundles = await buildFunctions({ outdir: join(outdir, 'floors'), functions: floorFns, settings: SETTINGS });
    const builtFloor = (fn: Deployable) => floorBundles.find((floor) => floor.fn.id === fn.id)!;
    const floors = new Map([...recordings].map(([bundle, recording]) => [bundle, { ...recording, bundle: builtFloor(recording.fn), stackBundle: builtFloor(recording.stackFn) }]));
    /** Which floors each function is measured against: the bare SDK's (the issue's), and the stack's libraries' (not for MCP: its floor is already a bare SDK-v2 server). */
    const floorKinds = (bundle: BuiltBundle): FloorLibraries[] => (bundle.fn.kind === 'mcp' ? ['bare'] : ['bare', 'stack']);
    const floorBundleOf = (bundle: BuiltBundle, libraries: FloorLibraries) => (libraries === 'stack' ? floors.get(bundle)!.stackBundle : floors.get(bundle)!.bundle);
    const floorEventFor = async (bundle: BuiltBundle) => {
      const { replay } = floors.get(bundle)!;
      return bundle.fn.kind === 'mcp' ? { ...((await eventFor(bundle)) as object), replay } : { replay };
    };
    for (const bundle of new Set([...floors.values()].flatMap((floor) => [floor.bundle, floor.stackBundle]))) {
      const sample = [...floors].find(([, floor]) => floor.bundle === bundle || floor.stackBundle === bundle)![0];
      await restorePriorItems(dynamo, floors.get(sample)!.prior);
      await invokeInFreshNode(bundle.file, await floorEventFor(sample), env);
    }

    /** Calls a floor's replay had refused although it started from the recorded state (reported, not expected). */
    const refusedByFloor = new Map<BuiltBundle, number>();
    const samples = new Map<BuiltBundle, { ms: number[]; floorMs: number[]; stackFloorMs: number[]; answer: string; timings: Timing[]; floorTimings: Timing[]; stackFloorTimings: Timing[] }>();
    for (let rep = 0; rep < REPS; rep++) {
      for (const bundle of bundles) {
        const floorRuns: Partial<Record<FloorLibraries, FreshInvocation>> = {};
        const runFloors = async () => {
          for (const libraries of floorKinds(bundle)) {
            await restorePriorItems(dynamo, floors.get(bundle)!.prior);
            const floor = await invokeInFreshNode(floorBundleOf(bundle, libraries).file, await floorEventFor(bundle), env);
            if (bundle.fn.kind === 'mcp' ? !(floor.result?.statusCode < 300) : floor.result?.calls === undefined) throw new Error(`${libraries} floor of ${bundle.fn.handler} answered ${JSON.stringify(floor.result).slice(0, 300)}`);
            if (floor.result?.refused) refusedByFloor.set(bundle, (refusedByFloor.get(bundle) ?? 0) + floor.result.refused);
            floorRuns[libraries] = floor;
          }
        };
        const runOurs = async () => invokeInFreshNode(bundle.file, await eventFor(bundle), env);
        // The order alternates from one repetition to the next (floors first, then the function first), so
        // neither side always runs right after the other's writes.
        let ours: FreshInvocation;
        if (rep % 2 === 0) {
          await runFloors();
          ours = await runOurs();
        } else {
          ours = await runOurs();
          await runFloors();
        }
        const floor = floorRuns.bare!;
        const answer = describeAnswer(bundle, ours.result);
        const entry = samples.get(bundle) ?? { ms: [], floorMs: [], stackFloorMs: [], answer, timings: [], floorTimings: [], stackFloorTimings: [] };
        entry.ms.push(ours.ms);
        entry.floorMs.push(floor.ms);
        if (floorRuns.stack) {
          entry.stackFloorMs.push(floorRuns.stack.ms);
          if (floorRuns.stack.timing) entry.stackFloorTimings.push(floorRuns.stack.timing);
        }
        if (ours.timing) entry.timings.push(ours.timing);
        if (floor.timing) entry.floorTimings.push(floor.timing);
        samples.set(bundle, entry);
      }
    }

    const figures: Figure[] = [];
    const sorted = [...samples].sort(([a], [b]) => a.fn.handler.localeCompare(b.fn.handler));
    for (const [bundle, entry] of sorted) {
      const median = percentile(entry.ms, 50);
      const pairedFloor = percentile(entry.floorMs, 50);
      const name = `cold start ${bundle.fn.handler.replace(/^functions\//, '')}`;
      const result = coldFigure(name, entry.ms, entry.floorMs, bundle.fn.kind, {
          build: SETTINGS === 'sst' ? 'SST deploy settings (scripts/build.ts sstEsbuildOptions)' : 'npm run build settings',
          kind: bundle.fn.kind,
          bundleBytes: bundle.bytes,
          floorBundleBytes: floors.get(bundle)!.bundle.bytes,
          callsOnFirstRequest: floors.get(bundle)!.calls,
          roundTripsInSequence: roundTripsInSequence(floors.get(bundle)!.replay),
          itemsRestoredBeforeEachFloorRun: floors.get(bundle)!.prior.length,
          floorCallsRefused: refusedByFloor.get(bundle) ?? 0,
          answer: entry.answer,
          samplesMs: entry.ms.map((ms) => Math.round(ms)),
          floorSamplesMs: entry.floorMs.map((ms) => Math.round(ms)),
          partsMs: medianParts(entry.timings),
          floorPartsMs: medianParts(entry.floorTimings),
          floorIs: `fresh node: ${bundle.fn.kind === 'mcp' ? 'a bare SDK-v2 MCP server answering the same request after ' : ''}the bare SDK's clients making the calls this function made on its first request (recorded on the wire; bench/cold-start-floors/), from the state they found (the items its writes changed are put back first, untimed), bundled with the same esbuild settings, run just before each of this bundle's runs`,
      });
      if (result.met === false) {
        // The measured reason, from this run: where inside the process the time over the floor went.
        const ours = medianParts(entry.timings);
        const floor = medianParts(entry.floorTimings);
        const calls = Object.entries(floors.get(bundle)!.calls).map(([call, n]) => `${n} ${call}`).join(', ') || 'no call';
        result.extra!.whyAboveTarget =
          `${round(median - pairedFloor)} ms over the floor: its import ${round(ours.import - floor.import)} ms longer ` +
          `(${Math.round(bundle.bytes / 1024)} KiB against ${Math.round(floors.get(bundle)!.bundle.bytes / 1024)} KiB: core, zod, middy, Powertools), ` +
          `its first invocation ${round(ours.firstInvocation - floor.firstInvocation)} ms longer (${calls}, with our code run for the first time between them)`;
      }
      figures.push(result);
      if (entry.stackFloorMs.length) {
        // The same function against the same calls made on the libraries it is built on (and none of its own
        // code): what its own code costs at a cold start.
        const stackFloor = percentile(entry.stackFloorMs, 50);
        const stackBytes = floors.get(bundle)!.stackBundle.bytes;
        const onStack = coldFigure(`${name}, vs the same calls on its libraries`, entry.ms, entry.stackFloorMs, bundle.fn.kind, {
          bundleBytes: bundle.bytes,
          floorBundleBytes: stackBytes,
          callsOnFirstRequest: floors.get(bundle)!.calls,
          samplesMs: entry.ms.map((ms) => Math.round(ms)),
          floorSamplesMs: entry.stackFloorMs.map((ms) => Math.round(ms)),
          partsMs: medianParts(entry.timings),
          floorPartsMs: medianParts(entry.stackFloorTimings),
          floorIs: `the floor above on the libraries this function is built on, none of its own code: ${bundle.fn.kind === 'rest' ? 'middy and its header normalizer around the handler' : bundle.fn.kind === 'worker' ? "Powertools' batch processor around the calls" : 'the calls'}, zod/mini checking the event, Powertools Logger and Metrics loaded, a DynamoDB DocumentClient made, what the calls read turned into plain objects as the DocumentClient does${bundle.fn.kind === 'rest' ? ' and answered as JSON' : ''} (bench/cold-start-floors/generate.ts, libraries 'stack')`,
        });
        if (onStack.met === false) {
          const ours = medianParts(entry.timings);
          const floor = medianParts(entry.stackFloorTimings);
          onStack.extra!.whyAboveTarget =
            `${round(median - stackFloor)} ms over the floor: its import ${round(ours.import - floor.import)} ms longer (${Math.round(bundle.bytes / 1024)} KiB against ${Math.round(stackBytes / 1024)} KiB: our own code), ` +
            `its first invocation ${round(ours.firstInvocation - floor.firstInvocation)} ms longer`;
        }
        figures.push(onStack);
      }
    }
    dynamo.destroy();
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
