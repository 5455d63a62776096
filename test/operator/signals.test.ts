/**
 * What an operator sees: one correlation id from a REST request or an MCP call, through the job message,
 * to the worker's Gitea calls (captured log lines), and the EMF metric records CloudWatch would read
 * (claims, jobs by outcome, Gitea latency).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../packages/core/src/index.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { registerAgent } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { projectWithRepository, standInTarget, waitForJob, type GiteaTarget } from '../jobs/helpers.js';

let runtime: Runtime;
let gitea: GiteaTarget;
let api: ApiClient;
const lines: any[] = [];
const write = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  // Every JSON line the process writes (Powertools writes logs and EMF records to stdout, as Lambda reads them).
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const line of String(chunk).split('\n')) {
      if (line.startsWith('{')) {
        try {
          lines.push(JSON.parse(line));
        } catch {
          // not one of ours
        }
      }
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  logger.setLogLevel('INFO');
  gitea = await standInTarget();
  runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token });
  api = apiClient(runtime.url, runtime.adminToken);
});

afterAll(async () => {
  process.stdout.write = write;
  logger.setLogLevel('ERROR');
  await runtime?.stop();
  await gitea?.close();
});

const logsOf = (id: string) => lines.filter((line) => line.correlation_id === id && typeof line.message === 'string');
const metricRecords = (name: string) => lines.filter((line) => line._aws?.CloudWatchMetrics?.some((m: any) => m.Metrics.some((metric: any) => metric.Name === name)));

describe('operator signals', () => {
  it('says who deleted a task in the log, since its events go with it', async () => {
    const project = ok(await api.post('/api/projects', { name: 'Audit', giteaOwner: 'acme', giteaRepo: 'audit' }), 201);
    const task = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Delete me' }), 201);
    ok(await api.delete(`/api/tasks/${task.id}`));
    expect(lines.find((line) => line.message === 'Task deleted' && line.taskId === task.id)).toMatchObject({ actor: 'admin', projectId: project.id, title: 'Delete me' });
  });

  it('follows one correlation id from a REST request through the job message to the worker’s Gitea calls', async () => {
    const project = await projectWithRepository(api, gitea);
    const task = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Trace me' }), 201);
    ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));

    const response = await fetch(`${runtime.url}/api/tasks/${task.id}/branch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runtime.adminToken}`, 'x-correlation-id': 'op-rest-0001' },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-correlation-id')).toBe('op-rest-0001');
    const job = await waitForJob(api, (await response.json()).data.id);
    expect(job.status).toBe('succeeded');

    const traced = logsOf('op-rest-0001');
    expect(traced.find((line) => line.message === 'Job requested')).toMatchObject({ jobId: job.id, type: 'create_branch' });
    expect(traced.find((line) => line.message === 'Job message done')).toMatchObject({ jobId: job.id, outcome: 'succeeded' });
    const giteaCalls = traced.filter((line) => line.message === 'Gitea call');
    expect(giteaCalls.length).toBeGreaterThan(0);
    for (const call of giteaCalls) expect(call).toMatchObject({ operation: expect.any(String), status: expect.anything(), ms: expect.any(Number) });

    // A request without the header gets an id of its own, and says which.
    const plain = await fetch(`${runtime.url}/api/health`);
    expect(plain.headers.get('x-correlation-id')).toMatch(/\S+/);
    // A header that is not a sensible id is not taken over.
    const odd = await fetch(`${runtime.url}/api/health`, { headers: { 'x-correlation-id': 'has spaces and "quotes"' } });
    expect(odd.headers.get('x-correlation-id')).not.toContain(' ');

    // EMF records: the job's outcome and the latency of each Gitea call.
    const outcomes = metricRecords('Jobs').map((record) => record.outcome);
    expect(outcomes).toContain('succeeded');
    const latency = metricRecords('GiteaLatency');
    expect(latency.length).toBeGreaterThan(0);
    expect(latency[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'aiworker', Metrics: [{ Name: 'GiteaLatency', Unit: 'Milliseconds' }] });
    expect(typeof latency[0].GiteaLatency).toBe('number');
  });

  it('follows the correlation id of an MCP call: the claim and the branch the agent asks for', async () => {
    const project = await projectWithRepository(api, gitea);
    ok(await api.post('/api/tasks', { projectId: project.id, title: 'Claimed over MCP', priority: 100 }), 201);
    const agent = await registerAgent(api, {});
    const client = new Client({ name: 'traced-agent', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${runtime.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${agent.token}`, 'x-correlation-id': 'op-mcp-0001' } },
    });
    await client.connect(transport);
    try {
      const claimed = (await client.callTool({ name: 'get_next_task', arguments: { projectId: project.id } })).structuredContent as any;
      expect(claimed.task?.projectId).toBe(project.id);
      const branch = (await client.callTool({ name: 'create_branch', arguments: { taskId: claimed.task.id, wait: 25 } })).structuredContent as any;
      const job = branch.job ?? branch;
      expect((await waitForJob(api, job.id)).status).toBe('succeeded');
    } finally {
      await client.close();
    }
    const traced = logsOf('op-mcp-0001');
    expect(traced.some((line) => line.message === 'Task claimed')).toBe(true);
    expect(traced.some((line) => line.message === 'Job requested')).toBe(true);
    expect(traced.some((line) => line.message === 'Gitea call')).toBe(true);
    expect(metricRecords('Claims').length).toBeGreaterThan(0);
  });
});
