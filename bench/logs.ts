/**
 * The live log. (1) Ingestion: lines/s one runner sends through its LogShipper (MCP `append_log` over HTTP,
 * the real SDK client), against the same batches written straight to DynamoDB (`logRepository.append`, the
 * write alone). (2) Claims while 16 runners stream their logs (a batch of 20 lines every 2 s each, as the
 * runner does): claim latency against the same claims with no log traffic. (3) The runner's added latency
 * per batch: an append_log round trip against a heartbeat round trip (the cheapest MCP call).
 * BENCH_LOG_LINES (default 20,000), BENCH_LOG_CLAIMS per side (default 200).
 */
import { LogShipper } from '../packages/agent/src/log-shipper.js';
import { McpSession } from '../packages/agent/src/mcp-session.js';
import { claimNextTask, createProject, createTask, registerAgent, updateAgentTaskStatus } from '../packages/core/src/index.js';
import { logRepository } from '../packages/core/src/db/log-repository.js';
import type { BenchContext } from './context.js';
import { inParallel, sleep } from './pool.js';
import { figure, percentile, round, type Figure } from './stats.js';

const LINES = Number(process.env.BENCH_LOG_LINES ?? 20_000);
const CLAIMS = Number(process.env.BENCH_LOG_CLAIMS ?? 200);
const STREAMERS = 16;
const LINE = 'x'.repeat(100);

async function holder(ctx: BenchContext, projectId: string, name: string) {
  const agent = await registerAgent({ name, capabilities: [] });
  const session = new McpSession(`${ctx.runtime.url}/mcp`, agent.token, name);
  const claim = await session.call<{ task: { id: string } | null }>('get_next_task', { projectId });
  if (!claim.task) throw new Error('no task to hold');
  return { agent, session, taskId: claim.task.id };
}

export async function benchLogs(ctx: BenchContext): Promise<Figure[]> {
  const project = await createProject({ name: 'log bench', giteaOwner: 'bench', giteaRepo: 'logs', defaultBranch: 'main' });
  await inParallel(STREAMERS + 2, 8, (i) => createTask({ projectId: project.id, title: `log bench ${i}`, priority: 50 }));

  // (1) ingestion by one runner, and the write alone.
  const one = await holder(ctx, project.id, 'log bench runner');
  const shipper = new LogShipper(one.session, { taskId: one.taskId, attempt: 1, everyMs: 2000, maxChars: Number.MAX_SAFE_INTEGER, secrets: [], onStop: () => undefined });
  const started = performance.now();
  for (let i = 0; i < LINES; i++) shipper.write('stdout', `${LINE} ${i}\n`);
  await shipper.finish();
  const shipped = LINES / ((performance.now() - started) / 1000);
  const batches = Math.ceil(LINES / 200);
  const lines = Array.from({ length: 200 }, (_, i) => ({ at: new Date().toISOString(), stream: 'stdout' as const, text: `${LINE} ${i}` }));
  const directStart = performance.now();
  for (let i = 0; i < batches; i++) await logRepository.append(one.taskId, new Date().toISOString(), { attempt: 1, lines }, 1);
  const direct = (batches * 200) / ((performance.now() - directStart) / 1000);

  // (3) the runner's added latency per batch (20 lines, the size a busy command fills in 2 s) vs a heartbeat.
  const appendMs: number[] = [];
  const heartbeatMs: number[] = [];
  const small = lines.slice(0, 20);
  for (let i = 0; i < 100; i++) {
    let t = performance.now();
    await one.session.call('append_log', { taskId: one.taskId, attempt: 1, lines: small });
    appendMs.push(performance.now() - t);
    t = performance.now();
    await one.session.call('heartbeat');
    heartbeatMs.push(performance.now() - t);
  }

  // (2) claims, quiet and while 16 runners stream.
  const claimProject = await createProject({ name: 'log bench claims', giteaOwner: 'bench', giteaRepo: 'log-claims', defaultBranch: 'main' });
  await inParallel(2 * CLAIMS + 10, 16, (i) => createTask({ projectId: claimProject.id, title: `claim ${i}`, priority: 50 }));
  const claimer = await registerAgent({ name: 'log bench claimer', capabilities: [] });
  const claimOnce = async () => {
    const t = performance.now();
    const claim = await claimNextTask(claimer.id, { projectId: claimProject.id });
    const ms = performance.now() - t;
    if (!claim.task) throw new Error('no task to claim');
    await updateAgentTaskStatus(claimer.id, { taskId: claim.task.id, state: 'ready_to_test' });
    return ms;
  };
  const quiet: number[] = [];
  for (let i = 0; i < CLAIMS; i++) quiet.push(await claimOnce());

  const streamers = [one, ...(await Promise.all(Array.from({ length: STREAMERS - 1 }, (_, i) => holder(ctx, project.id, `log bench streamer ${i}`))))];
  let streaming = true;
  let streamedBatches = 0;
  const streams = streamers.map(async (s, n) => {
    await sleep((n * 2000) / STREAMERS);
    while (streaming) {
      const t = performance.now();
      await s.session.call('append_log', { taskId: s.taskId, attempt: 1, lines: small });
      streamedBatches++;
      await sleep(Math.max(0, 2000 - (performance.now() - t)));
    }
  });
  await sleep(2000);
  const busy: number[] = [];
  const busyStart = performance.now();
  for (let i = 0; i < CLAIMS; i++) busy.push(await claimOnce());
  const busySeconds = (performance.now() - busyStart) / 1000;
  streaming = false;
  await Promise.all(streams);
  await Promise.all(streamers.map((s) => s.session.close()));

  const p = percentile;
  return [
    figure('log ingestion, one runner (LogShipper → MCP append_log)', shipped, direct, 'lines/s', undefined, { lines: LINES, batchLines: 200, lineChars: 100, floorIs: 'the same 200-line batches written straight to DynamoDB (logRepository.append)' }),
    figure('runner added latency per log batch p50 (append_log, 20 lines)', p(appendMs, 50), p(heartbeatMs, 50), 'ms', undefined, { floorIs: 'MCP heartbeat round trip', p99: round(p(appendMs, 99)), heartbeatP99: round(p(heartbeatMs, 99)) }),
    figure('claim p50 while 16 runners stream logs', p(busy, 50), p(quiet, 50), 'ms', { max: 1.5 }, { claims: CLAIMS, floorIs: 'claims with no log traffic', streamedBatches, batchesPerSecond: round(streamedBatches / busySeconds) }),
    figure('claim p99 while 16 runners stream logs', p(busy, 99), p(quiet, 99), 'ms', undefined, { claims: CLAIMS }),
  ];
}
