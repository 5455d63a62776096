import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { advanceClock } from '../../packages/core/src/clock.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { eventually, useFastRetries, waitForJob } from '../jobs/helpers.js';
import { newAgent, type AgentClient } from '../mcp/mcp-client.js';

/**
 * A project's daily budget, as its people meet it: the notification URL hears once per project and UTC day
 * that the budget is reached (however many attempts report at that moment), claims answer why they give
 * nothing, and the next UTC day claims resume.
 */
let runtime: Runtime;
let api: ApiClient;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ path: string; delivery: string; body: any }> = [];
const clients: AgentClient[] = [];

beforeAll(async () => {
  useFastRetries();
  process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE = 'true'; // the receiver listens on loopback
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', delivery: String(req.headers['x-aiworker-delivery']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  runtime = await startTestRuntime();
  api = apiClient(runtime.url, runtime.adminToken);
});
afterAll(async () => {
  vi.useRealTimers();
  await Promise.all(clients.map((client) => client.close()));
  await runtime?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

async function agent() {
  const created = await newAgent(runtime);
  clients.push(created);
  return created;
}

const arrivals = (path: string, event: string) => received.filter((request) => request.path === path && request.body.event === event);

describe('a project budget', () => {
  it('notifies once per UTC day when two attempts reach it at the same moment, claims say why, and the next UTC day claims resume', async () => {
    const project = ok(await api.post('/api/projects', { name: 'Budgeted', giteaOwner: 'aiworker', giteaRepo: 'budgeted', notifyUrl: `${receiverUrl}/budget` }), 201);
    await createTask(api, project.id, { title: 'First' });
    await createTask(api, project.id, { title: 'Second' });
    const [a, b] = [await agent(), await agent()];
    const first = (await a.call('get_next_task', { projectId: project.id })).structured.task;
    const second = (await b.call('get_next_task', { projectId: project.id })).structured.task;
    expect(first.id).not.toBe(second.id);
    ok(await api.patch(`/api/projects/${project.id}`, { budget: { costUsdPerDay: 1 } }));

    // Two runs end at the same moment; together they reach the budget.
    const reports = await Promise.all([
      a.call('report_attempt', { taskId: first.id, attempt: 1, seconds: 40, exit: 'exit 0', costUsd: 0.6 }),
      b.call('report_attempt', { taskId: second.id, attempt: 1, seconds: 50, exit: 'exit 1', costUsd: 0.6 }),
    ]);
    expect(reports.map((report) => report.isError)).toEqual([false, false]);
    expect(Math.max(...reports.map((report) => report.structured.dayCostUsd))).toBeCloseTo(1.2, 6);

    const notice = await eventually('the budget notification', async () => arrivals('/budget', 'project.budget_reached')[0]);
    expect(notice.body).toMatchObject({ event: 'project.budget_reached', project: { id: project.id, name: 'Budgeted' } });
    expect(notice.body.message).toMatch(/^Project "Budgeted" reached its budget of \$1\.00 for \d{4}-\d\d-\d\d \(UTC\): \$1\.20 spent\. Its tasks are not claimed until 00:00 UTC\.$/);
    expect(await waitForJob(api, notice.delivery)).toMatchObject({ type: 'send_notification', status: 'succeeded' });

    // Later the same day another run spends more: no second notification.
    expect((await a.call('report_attempt', { taskId: first.id, attempt: 2, seconds: 10, exit: 'exit 0', costUsd: 0.3 })).structured.dayCostUsd).toBeCloseTo(1.5, 6);

    // Claims of the project answer why they give nothing.
    await a.call('update_task_status', { taskId: first.id, state: 'backlog' });
    const c = await agent();
    advanceClock(2_100); // a claim's copy of the day's cost is up to 2 s old: core's clock moves past it
    const refused = await c.call('get_next_task', { projectId: project.id });
    expect(refused.structured.task).toBeNull();
    expect(refused.structured.message).toMatch(/Project 'Budgeted' \(.+\) reached its budget of \$1\.00 for \d{4}-\d\d-\d\d \(UTC\): \$1\.50 spent/);

    // A notification the project sends after the extra report arrives; the budget's came once.
    await b.call('update_task_status', { taskId: second.id, state: 'needs_input', question: 'Which colour?' });
    await eventually('the needs_input notification', async () => arrivals('/budget', 'task.needs_input')[0]);
    expect(arrivals('/budget', 'project.budget_reached')).toHaveLength(1);

    // The next UTC day the project's tasks are claimed again.
    const today = new Date();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1, 0, 0, 5) });
    try {
      const resumed = await c.call('get_next_task', { projectId: project.id });
      expect(resumed.structured.task?.id).toBe(first.id);
    } finally {
      vi.useRealTimers();
    }
  });
});
