// First: the deployed functions' Node options (the bench runs itself again with them when started without).
import './node-options.js';
// Then the log level, before any module makes its logger.
import './quiet-logs.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../packages/local/src/emulators/dynamodb.js';
import { startSqsEmulator } from '../packages/local/src/emulators/sqs.js';
import { startRuntime } from '../packages/local/src/runtime.js';
import { benchApiOverhead } from './api-overhead.js';
import { benchClaims } from './claims.js';
import { benchClaimWrites } from './claim-writes.js';
import { benchColdStart } from './cold-start.js';
import type { BenchContext } from './context.js';
import { benchJobs } from './jobs.js';
import { benchMcp } from './mcp.js';
import { BENCH_MCP_FLOOR_PATH } from './mcp-floor.js';
import { benchMcpFleet } from './mcp-fleet.js';
import { benchBoard } from './board.js';
import { benchFleet } from './fleet.js';
import { writePerformanceDoc } from './docs.js';
import { benchLogs } from './logs.js';
import type { Figure } from './stats.js';

/** Every section: a short key (for BENCH_SECTIONS), a title, and the run. */
const sections: Array<[string, string, (ctx: BenchContext) => Promise<Figure[]>]> = [
  ['api', 'API overhead', (ctx) => benchApiOverhead(ctx.adminToken, ctx.tableName)],
  ['cold', 'Cold start', benchColdStart],
  ['claims', 'Claim throughput', benchClaims],
  ['claim-writes', "Where a claim's time goes (its writes alone)", benchClaimWrites],
  ['jobs', 'Job pipeline', benchJobs],
  ['mcp', 'MCP get_next_task latency', benchMcp],
  ['mcp-fleet', '64 agents looping over MCP', benchMcpFleet],
  ['board', 'The board in a browser', benchBoard],
  ['fleet', 'Fleet simulation (partition meter)', benchFleet],
  ['logs', 'Live logs: ingestion, claims while runners stream, the runner\'s added latency', benchLogs],
];

const markdownTable = (figures: Figure[]) =>
  [
    '| figure | value | floor | unit | ratio | target | met |',
    '| --- | ---: | ---: | --- | ---: | --- | --- |',
    ...figures.map((f) => `| ${f.name} | ${f.value} | ${f.floor} | ${f.unit} | ${f.ratio}× | ${f.target ?? '—'} | ${f.met === undefined ? '—' : f.met ? 'yes' : '**no**'} |`),
  ].join('\n');

/**
 * `npm run bench`: every figure against its floor, measured in one run on the embedded emulators.
 * BENCH_SECTIONS=api,cold,claims,claim-writes,jobs,mcp,mcp-fleet,board,fleet,logs runs only some, written to results.partial.json instead.
 */
async function main() {
  const only = process.env.BENCH_SECTIONS?.split(',').map((key) => key.trim()).filter(Boolean);
  const started = Date.now();
  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulator();
  // No worker and no sweeper in the runtime: the job section runs its own pollers, and nothing else touches the tasks.
  const runtime = await startRuntime({
    port: 0,
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    tableName: 'bench',
    adminToken: 'adm_bench',
    worker: false,
    sweeper: false,
    // The bare SDK-v2 MCP server the MCP section measures ours against, served the same way as /mcp.
    functions: [{ method: '*', path: BENCH_MCP_FLOOR_PATH, handler: 'bench/mcp-floor', routeKey: '$default' }],
  });
  const ctx: BenchContext = { runtime, dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, tableName: runtime.tableName, adminToken: runtime.adminToken };
  const figures: Figure[] = [];
  const durations: Record<string, number> = {};
  try {
    for (const [key, name, run] of sections) {
      if (only && !only.includes(key)) continue;
      const sectionStart = Date.now();
      console.error(`… ${name}`);
      figures.push(...(await run(ctx)));
      durations[key] = Math.round((Date.now() - sectionStart) / 1000);
      console.error(`  ${name}: ${durations[key]} s`);
    }
  } finally {
    await runtime.stop();
    await sqs.stop();
    await dynamo.stop();
  }
  // A partial run (BENCH_SECTIONS) never overwrites the full results.
  const out = join(dirname(fileURLToPath(import.meta.url)), only ? 'results.partial.json' : 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  const totalSeconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, nodeOptions: process.env.NODE_OPTIONS, sectionSeconds: durations, totalSeconds, figures }, null, 2)}\n`);
  console.table(figures.map(({ name, value, floor, unit, ratio, target, met }) => ({ name, value, floor, unit, ratio, target: target ?? '', met: met ?? '' })));
  console.log(`\n${markdownTable(figures)}\n`);
  const unmet = figures.filter((f) => f.met === false).map((f) => f.name);
  if (unmet.length) console.log(`targets not met: ${unmet.join('; ')}`);
  console.log(`written ${out} (${totalSeconds} s)`);
  // docs/performance.md follows the full results (a partial run leaves both alone).
  if (!only) console.log(`written ${writePerformanceDoc(out)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
