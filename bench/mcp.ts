/**
 * MCP: `tools/call get_next_task` over HTTP with the real MCP SDK Client and StreamableHTTPClientTransport
 * against the runtime's /mcp, against the claim alone (`claimNextTask` in-process) over the same kind of
 * tasks (one project's backlog). Each claimed task is handed on (ready_to_test, untimed) so the next call
 * claims afresh. Rounds alternate between the two sides. BENCH_MCP_CALLS per side (default 400).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { claimNextTask, createProject, createTask, registerAgent, updateAgentTaskStatus } from '../packages/core/src/index.js';
import type { BenchContext } from './context.js';
import { inParallel } from './pool.js';
import { figure, percentile, round, type Figure } from './stats.js';

const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 400);
const WARMUP = 20;
const ROUND = 25;

export async function benchMcp(ctx: BenchContext): Promise<Figure[]> {
  const project = await createProject({ name: 'mcp bench', giteaOwner: 'bench', giteaRepo: 'mcp', defaultBranch: 'main' });
  const total = 2 * (CALLS + WARMUP);
  await inParallel(total, 16, (i) => createTask({ projectId: project.id, title: `mcp bench ${i}`, priority: (i % 7) * 10 }));
  const remote = await registerAgent({ name: 'mcp bench agent', capabilities: [] });
  const local = await registerAgent({ name: 'in-process bench agent', capabilities: [] });

  const client = new Client({ name: 'aiworker-bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${ctx.runtime.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${remote.token}` } } });
  await client.connect(transport);

  const overMcp = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const result = await client.callTool({ name: 'get_next_task', arguments: { projectId: project.id } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const task = (result.structuredContent as { task?: { id: string } | null } | undefined)?.task;
    if (result.isError || !task) throw new Error(`get_next_task over MCP: ${JSON.stringify(result).slice(0, 500)}`);
    await updateAgentTaskStatus(remote.id, { taskId: task.id, state: 'ready_to_test' });
    return ms;
  };
  const inProcess = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const claim = await claimNextTask(local.id, { projectId: project.id });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (!claim.task || claim.resumed) throw new Error(`claimNextTask in-process: ${JSON.stringify(claim).slice(0, 500)}`);
    await updateAgentTaskStatus(local.id, { taskId: claim.task.id, state: 'ready_to_test' });
    return ms;
  };

  try {
    for (let i = 0; i < WARMUP; i++) {
      await overMcp();
      await inProcess();
    }
    const mcpMs: number[] = [];
    const claimMs: number[] = [];
    while (mcpMs.length < CALLS) {
      const n = Math.min(ROUND, CALLS - mcpMs.length);
      for (let i = 0; i < n; i++) claimMs.push(await inProcess());
      for (let i = 0; i < n; i++) mcpMs.push(await overMcp());
    }
    const p = (samples: number[], q: number) => percentile(samples, q);
    const extra = { calls: CALLS, floorIs: 'claimNextTask in-process (the claim alone)', client: 'MCP SDK Client + StreamableHTTPClientTransport → runtime /mcp' };
    return [
      figure('mcp get_next_task p50', p(mcpMs, 50), p(claimMs, 50), 'ms', undefined, { ...extra, overheadP50Ms: round(p(mcpMs, 50) - p(claimMs, 50)) }),
      figure('mcp get_next_task p99', p(mcpMs, 99), p(claimMs, 99), 'ms', undefined, extra),
    ];
  } finally {
    await client.close();
  }
}
