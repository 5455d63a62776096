import { spawnSync } from 'node:child_process';
import { nodeOptions } from '../stacks/deployables.js';

/**
 * Imported first by bench/run.ts: the bench runs core's code in its own process (the claims, the runtime's
 * handlers, MCP) and judges it against floors made in the same process, so that process runs with the Node
 * options every deployed function runs with (stacks/deployables.ts `nodeOptions`), as the cold starts' fresh
 * processes already did. Without them, Node 22 keeps AsyncLocalStorage on async hooks and every promise pays a
 * hook: a claim makes more promises than its own two writes, and the bench charged it for a cost Lambda does not
 * have (one agent with a project, sequential claims against their own writes: 0.81–0.96× without the option,
 * 0.96–0.97× with it; per-op CPU 2.1–2.3 ms against 1.8 ms). Started without them, the bench runs itself again
 * with them added to NODE_OPTIONS and exits with that run's status.
 */
const current = process.env.NODE_OPTIONS ?? '';
if (!current.split(/\s+/).includes(nodeOptions) && !process.execArgv.includes(nodeOptions)) {
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: [current, nodeOptions].filter(Boolean).join(' ') },
  });
  process.exit(rerun.status ?? 1);
}
