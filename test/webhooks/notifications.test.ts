import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredLeases } from '../../packages/core/src/services/sweeper.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { eventually, standInTarget, useFastRetries, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { newAgent } from '../mcp/mcp-client.js';

/**
 * Notifications out: a project's URL hears (through the job queue, with retries) when a task enters
 * needs_input or ready_to_test, a job fails for good, or an agent's lease expires — as signed JSON or
 * as a Slack incoming-webhook body. The secret (and a Slack URL) never shows up in the API or the logs.
 */
interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

let runtime: Runtime;
let api: ApiClient;
let gitea: GiteaTarget;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** Answers for the next requests (500 = fail), then 204. */
const answers: number[] = [];
const logged: string[] = [];
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
const secret = randomBytes(24).toString('hex');
const slackToken = `T000/B000/${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  useFastRetries();
  // The receiver listens on loopback: a deployment setting allows that (test/webhooks/notify-addresses.test.ts: refused by default).
  process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE = 'true';
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  gitea = await standInTarget();
  runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token });
  api = apiClient(runtime.url, runtime.adminToken);
  // Everything this process logs from here on, to check that no secret is in it.
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (logged.push(String(chunk)), (writes.out as any)(chunk, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => (logged.push(String(chunk)), (writes.err as any)(chunk, ...rest))) as typeof process.stderr.write;
});
afterAll(async () => {
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
  await runtime?.stop();
  await gitea?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

const arrivals = (path: string, event?: string) =>
  received.filter((request) => request.path === path && (!event || request.headers['x-aiworker-event'] === event || JSON.parse(request.body).event === event));

describe('notifications out', () => {
  it('signed JSON when a task needs input and when it is ready to test, retried after a failure, the secret never shown', async () => {
    const project = ok(
      await api.post('/api/projects', { name: 'Notified', giteaOwner: gitea.owner, giteaRepo: 'notified', notifyUrl: `${receiverUrl}/hook`, notifySecret: secret }),
      201,
    );
    expect(project).toMatchObject({ notifyUrl: `${receiverUrl}/hook`, notifyFormat: 'json' });
    expect(JSON.stringify(project)).not.toContain(secret);
    expect(JSON.stringify(ok(await api.get(`/api/projects/${project.id}`)))).not.toContain(secret);

    ok(await api.post('/api/tasks', { projectId: project.id, title: 'Ask me' }), 201);
    const agent = await newAgent(runtime);
    const claimed = await agent.call('get_next_task', { projectId: project.id });
    const taskId = claimed.structured.task.id;
    answers.push(500); // the first delivery fails: the job backs off and tries again
    expect((await agent.call('update_task_status', { taskId, state: 'needs_input', question: 'Which colour?' })).isError).toBe(false);

    // Once refused (500), then delivered by the retry.
    const needsInput = await eventually('the needs_input notification, twice', async () => arrivals('/hook', 'task.needs_input')[1]);
    expect(arrivals('/hook', 'task.needs_input')[0].body).toBe(needsInput.body);
    const body = JSON.parse(needsInput.body);
    expect(body).toMatchObject({ event: 'task.needs_input', taskId, taskTitle: 'Ask me', taskState: 'needs_input', agentId: agent.agent.id, project: { id: project.id, name: 'Notified' } });
    expect(body.message).toContain('Which colour?');
    expect(needsInput.headers['x-aiworker-signature']).toBe(`sha256=${createHmac('sha256', secret).update(needsInput.body).digest('hex')}`);
    const job = await waitForJob(api, needsInput.headers['x-aiworker-delivery']);
    expect(job).toMatchObject({ type: 'send_notification', status: 'succeeded', attempts: 2, result: { delivered: true, status: 204 } });
    expect(JSON.stringify(job)).not.toContain(secret);

    ok(await api.post(`/api/tasks/${taskId}/respond`, { response: 'Blue' }));
    expect((await agent.call('update_task_status', { taskId, state: 'ready_to_test' })).isError).toBe(false);
    const ready = await eventually('the ready_to_test notification', async () => arrivals('/hook', 'task.ready_to_test').at(-1));
    expect(JSON.parse(ready.body)).toMatchObject({ event: 'task.ready_to_test', taskId });
    await agent.close();
  });

  it("Slack's incoming-webhook format when a job fails for good and when an agent's lease expires", async () => {
    const project = ok(
      await api.post('/api/projects', { name: 'Slacked', giteaOwner: gitea.owner, giteaRepo: 'no-such-repo', notifyUrl: `${receiverUrl}/services/${slackToken}`, notifyFormat: 'slack' }),
      201,
    );
    ok(await api.post('/api/tasks', { projectId: project.id, title: 'Doomed branch' }), 201);
    const agent = await newAgent(runtime);
    const claimed = await agent.call('get_next_task', { projectId: project.id });
    const taskId = claimed.structured.task.id;
    // The repository does not exist: Gitea answers 404 and the job fails for good.
    const branch = await agent.call('create_branch', { taskId, wait: 20 });
    expect(branch.structured.job.status).toBe('failed');
    const failed = await eventually('the job.failed notification', async () => received.find((request) => request.path.startsWith('/services/') && request.body.includes('failed for good')));
    expect(JSON.parse(failed.body)).toEqual({ text: expect.stringMatching(/^\*aiworker\* · Slacked .*\n.*create_branch job .* failed for good/) });

    // Silent past its lease: the sweeper gives the task back and the project hears about it.
    await agent.close();
    const swept = await sweepExpiredLeases(new Date(Date.now() + 3_600_000));
    expect(swept.releasedTasks).toContain(taskId);
    const expired = await eventually('the lease notification', async () => received.find((request) => request.path.startsWith('/services/') && request.body.includes('went silent')));
    expect(JSON.parse(expired.body).text).toContain(`task "Doomed branch" went back to the backlog`);
  });

  it('refuses a notification URL that is not http(s), and turns notifications off with null', async () => {
    expectError(await api.post('/api/projects', { name: 'Bad', giteaOwner: gitea.owner, giteaRepo: 'bad', notifyUrl: 'file:///etc/passwd' }), 400, 'VALIDATION_ERROR', /notifyUrl/);
    expectError(await api.post('/api/projects', { name: 'Bad', giteaOwner: gitea.owner, giteaRepo: 'bad', notifyUrl: `${receiverUrl}/x`, notifySecret: 'short' }), 400, 'VALIDATION_ERROR', /notifySecret/);
    const project = ok(await api.post('/api/projects', { name: 'Off', giteaOwner: gitea.owner, giteaRepo: 'off', notifyUrl: `${receiverUrl}/off` }), 201);
    const off = ok(await api.patch(`/api/projects/${project.id}`, { notifyUrl: null }));
    expect(off.notifyUrl).toBeUndefined();
    expect(off.notifyFormat).toBeUndefined();
  });

  it('never logs the secret or the Slack URL', () => {
    const all = logged.join('');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(slackToken);
  });
});
