/**
 * Internet scale, simulated: fleets of 1,000 and 10,000 agents (BENCH_FLEETS) against DynamoDB Local
 * through core's services — the code the REST and MCP handlers run — with the partition meter
 * (partition-meter.ts) charging every request to its partition-key value on the table and every index.
 *
 * The real fleet's per-second rates (defaults; the lease is 300 s, `AIWORKER_LEASE_SECONDS`):
 *   heartbeat        every agent every 100 s (the runner heartbeats every third of the lease)     N / 100 /s
 *   task finished    an agent works a task for 20 minutes on average, then `update_task_status`
 *                    in_progress → ready_to_test and at once `get_next_task` (a claim; half of
 *                    the agents name their project, half do not)                                N / 1200 /s each
 *   needs_input      one task in four asks a question (in_progress → needs_input), answered
 *                    later by a person (respond → in_progress)                                 N / 4800 /s each
 *   review           a person approves a task in ready_to_test                                    N / 1200 /s
 *   new tasks        people (and agents) file tasks at the rate they are finished                 N / 1200 /s
 *   people listing   one person per 50 agents with a board open, polling a project's task list
 *                    (`GET /api/tasks?projectId=…`, a page of 50) every 10 s                     N / 500 /s
 *   whole board      `GET /api/board` reaches the table once per second per warm instance (its
 *                    1 s cache); 2 warm instances assumed                                         2 /s
 * Every MCP call (claim, status change) first authenticates the agent (GetItem) and records its
 * activity, as the MCP endpoint does. One project per 100 agents.
 *
 * Time: a window of BENCH_FLEET_SECONDS (default 20) simulated seconds. Each simulated second's
 * operations are started together (at most BENCH_FLEET_CONCURRENCY at a time) and the meter's clock
 * moves to the next second only when they are all done — so when DynamoDB Local cannot keep the real
 * rate, the same per-second mix runs in slowed time and is charged in simulated seconds (the slowdown is
 * reported). Set-up (agents, projects, backlog, agents holding tasks) is not charged.
 */
import { documentClient } from '../packages/core/src/db/client.js';
import {
  authenticateAgent,
  claimNextTask,
  createProject,
  createTask,
  getBoard,
  heartbeat,
  listTasks,
  recordAgentActivity,
  registerAgent,
  respondToTask,
  transitionTask,
  updateAgentTaskStatus,
} from '../packages/core/src/index.js';
import type { BenchContext } from './context.js';
import { LIMITS, PartitionMeter } from './partition-meter.js';
import { inParallel, seconds } from './pool.js';
import { figure, round, type Figure } from './stats.js';

const FLEETS = (process.env.BENCH_FLEETS ?? '1000,10000').split(',').map(Number);
const WINDOW = Number(process.env.BENCH_FLEET_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 32);

/** us-east-1 on-demand prices (since the 1 Nov 2024 cut): per million write / read request units. */
const PRICE = { writePerMillion: 0.625, readPerMillion: 0.125, source: 'aws.amazon.com/dynamodb/pricing/on-demand, us-east-1, Standard table class' };
const SECONDS_PER_MONTH = 30 * 24 * 3600;

interface Agent {
  id: string;
  token: string;
  projectId: string;
  taskId?: string;
  named: boolean;
}

/** `rate` per second as whole operations: the fractional part carried over, so the mean rate is exact. */
function perSecond(rate: number) {
  let carry = 0;
  return () => {
    carry += rate;
    const whole = Math.floor(carry);
    carry -= whole;
    return whole;
  };
}

async function mcpCall<T>(agent: Agent, tool: () => Promise<T>): Promise<T> {
  const record = await authenticateAgent(agent.token);
  await recordAgentActivity(record);
  return tool();
}

export async function benchFleet(ctx: BenchContext): Promise<Figure[]> {
  process.env.AIWORKER_BOARD_CACHE_MS = '0'; // the simulation decides how many board reads reach the table
  let second = 0;
  const meter = new PartitionMeter(ctx.tableName, () => second, ctx.dynamoEndpoint);
  const uninstall = meter.install(documentClient());
  const figures: Figure[] = [];
  try {
    for (const size of FLEETS) figures.push(...(await runFleet(size, meter, (s) => (second = s))));
  } finally {
    uninstall();
  }
  return figures;
}

async function runFleet(size: number, meter: PartitionMeter, setSecond: (s: number) => void): Promise<Figure[]> {
  meter.charging = false;
  meter.reset();
  const setupStart = process.hrtime.bigint();
  const run = Date.now().toString(36);
  const projects = await Promise.all(
    Array.from({ length: Math.max(1, Math.round(size / 100)) }, (_, p) =>
      createProject({ name: `fleet ${size} ${run} #${p}`, giteaOwner: 'fleet', giteaRepo: `fleet-${size}-${run}-${p}`, defaultBranch: 'main' }),
    ),
  );
  const finishRate = size / 1200;
  const questionRate = size / 4800;
  // Agents that will finish, ask or be answered inside the window hold a task from the start; the rest
  // only heartbeat (their heartbeats weigh the same on the agent-status shards either way).
  const workers = Math.ceil((finishRate + questionRate) * WINDOW) + 1;
  const agents: Agent[] = new Array(size);
  await inParallel(size, 16, async (i) => {
    const projectId = projects[i % projects.length].id;
    const agent = await registerAgent({ name: `fleet-${size}-${i}`, capabilities: [] });
    agents[i] = { id: agent.id, token: agent.token, projectId, named: i % 2 === 0 };
  });
  // Backlog: what the workers take now, what is claimed in the window, and a margin.
  const backlog = workers + Math.ceil(finishRate * WINDOW) * 2 + 50;
  await inParallel(backlog, 16, (i) => createTask({ projectId: projects[i % projects.length].id, title: `fleet task ${i}`, description: 'A simulated task of a fleet run.', priority: (i % 5) * 10 }));
  await inParallel(workers, 8, async (i) => {
    const agent = agents[i];
    const claim = await claimNextTask(agent.id, { projectId: agent.projectId });
    if (claim.task) agent.taskId = claim.task.id;
  });
  // Tasks in review for the people to approve, and questions to answer: taken by the window's first askers.
  const setupSeconds = seconds(setupStart);

  const finishes = perSecond(finishRate);
  const questions = perSecond(questionRate);
  const reviews = perSecond(finishRate);
  const creates = perSecond(finishRate);
  const listings = perSecond(size / 500);
  const boards = perSecond(2);
  const working = agents.filter((agent) => agent.taskId);
  const inReview: string[] = [];
  const waiting: Array<{ taskId: string; agent: Agent }> = [];
  const counts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const count = (name: string) => (counts[name] = (counts[name] ?? 0) + 1);

  meter.charging = true;
  const windowStart = process.hrtime.bigint();
  for (let s = 0; s < WINDOW; s++) {
    setSecond(s);
    const ops: Array<[string, () => Promise<unknown>]> = [];
    for (let i = s % 100; i < size; i += 100) ops.push(['heartbeat', () => heartbeat(agents[i].id)]);
    for (let n = finishes(); n > 0; n--) {
      const agent = working.shift();
      if (!agent?.taskId) break;
      ops.push([
        'finish+claim',
        async () => {
          const taskId = agent.taskId!;
          await mcpCall(agent, () => updateAgentTaskStatus(agent.id, { taskId, state: 'ready_to_test', note: 'done' }));
          inReview.push(taskId);
          agent.taskId = undefined;
          const claim = await mcpCall(agent, () => claimNextTask(agent.id, { projectId: agent.named ? agent.projectId : undefined }));
          if (claim.task) (agent.taskId = claim.task.id), working.push(agent);
        },
      ]);
    }
    for (let n = questions(); n > 0; n--) {
      const agent = working.shift();
      if (!agent?.taskId) break;
      ops.push([
        'question',
        async () => {
          await mcpCall(agent, () => updateAgentTaskStatus(agent.id, { taskId: agent.taskId!, state: 'needs_input', question: 'Which colour?' }));
          waiting.push({ taskId: agent.taskId!, agent });
        },
      ]);
    }
    // People answer the questions asked a few seconds earlier (the agent resumes the task).
    if (s >= 3)
      for (let n = questions(); n > 0 && waiting.length; n--) {
        const { taskId, agent } = waiting.shift()!;
        ops.push(['answer', async () => void (await respondToTask(taskId, { response: 'Blue.' }, 'gitea:person'), working.push(agent))]);
      }
    for (let n = reviews(); n > 0 && inReview.length; n--) {
      const taskId = inReview.shift()!;
      ops.push(['approve', () => transitionTask(taskId, { to: 'approved', note: 'Looks good' })]);
    }
    for (let n = creates(); n > 0; n--) ops.push(['create', () => createTask({ projectId: projects[(s * 7 + n) % projects.length].id, title: `filed at ${s}`, description: 'A follow-up.', priority: 20 })]);
    for (let n = listings(); n > 0; n--) ops.push(['list', () => listTasks({ projectId: projects[(s * 13 + n) % projects.length].id, limit: 50 })]);
    for (let n = boards(); n > 0; n--) ops.push(['board', () => getBoard()]);
    await inParallel(ops.length, CONCURRENCY, async (i) => {
      const [name, op] = ops[i];
      try {
        await op();
        count(name);
      } catch (error) {
        const key = `${name}: ${(error as Error).name}`;
        errors[key] = (errors[key] ?? 0) + 1;
      }
    });
  }
  const windowSeconds = seconds(windowStart);
  meter.charging = false;

  const peaks = meter.peaks();
  const top = (kind: 'wcu' | 'rcu') =>
    [...peaks].sort((a, b) => b[kind] - a[kind]).slice(0, 5).map((p) => ({ where: p.where, key: p.key, [`${kind}PerSecond`]: round(p[kind], 1) }));
  const totals = meter.totals();
  const wruPerSecond = totals.wcu / WINDOW;
  const rruPerSecond = totals.rcu / WINDOW;
  const perMonth = { writeUnits: wruPerSecond * SECONDS_PER_MONTH, readUnits: rruPerSecond * SECONDS_PER_MONTH };
  const cost = {
    writeUnitsPerSecond: round(wruPerSecond, 1),
    readUnitsPerSecond: round(rruPerSecond, 1),
    writeUnitsPerMonthMillions: round(perMonth.writeUnits / 1e6, 1),
    readUnitsPerMonthMillions: round(perMonth.readUnits / 1e6, 1),
    writeUSDPerMonth: round((perMonth.writeUnits / 1e6) * PRICE.writePerMillion, 2),
    readUSDPerMonth: round((perMonth.readUnits / 1e6) * PRICE.readPerMillion, 2),
    totalUSDPerMonth: round((perMonth.writeUnits / 1e6) * PRICE.writePerMillion + (perMonth.readUnits / 1e6) * PRICE.readPerMillion, 2),
    prices: PRICE,
  };
  const thrown = meter.throttles.filter((t) => t.thrown).length;
  const overLimit = meter.throttles.filter((t) => !t.thrown).length;
  const peakWcu = Math.max(0, ...peaks.map((p) => p.wcu));
  const peakRcu = Math.max(0, ...peaks.map((p) => p.rcu));
  const extra = {
    agents: size,
    projects: projects.length,
    simulatedSeconds: WINDOW,
    realSeconds: round(windowSeconds, 1),
    slowdown: `${round(windowSeconds / WINDOW, 2)}× (real seconds per simulated second)`,
    setupSeconds: round(setupSeconds, 1),
    operations: counts,
    errors,
    requestsMetered: meter.requests,
    throttlesThrown: thrown,
    keysOverLimitAfterTheFact: overLimit,
    throttleExamples: meter.throttles.slice(0, 5),
    topWcu: top('wcu'),
    topRcu: top('rcu'),
    cost,
  };
  console.error(`  fleet ${size}: ${JSON.stringify({ slowdown: extra.slowdown, counts, errors, thrown, overLimit, peakWcu, peakRcu, cost: cost.totalUSDPerMonth })}`);
  const name = (what: string) => `fleet ${size.toLocaleString('en-US')} agents: ${what}`;
  const wcuFigure = figure(name('peak WCU/s on one partition-key value'), peakWcu, LIMITS.wcu, 'WCU/s', { max: 1 }, extra);
  const rcuFigure = figure(name('peak RCU/s on one partition-key value'), peakRcu, LIMITS.rcu, 'RCU/s', { max: 1 }, { topRcu: extra.topRcu });
  const throttleFigure: Figure = { name: name('throttles'), value: thrown + overLimit, floor: 0, unit: 'requests', ratio: 0, target: '0', met: thrown + overLimit === 0, extra: { thrown, overLimit } };
  return [wcuFigure, rcuFigure, throttleFigure];
}
