import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { isInternalAddress } from '../../packages/notification-sender/src/public-address.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { eventually, useFastRetries } from '../jobs/helpers.js';
import { newAgent } from '../mcp/mcp-client.js';

/**
 * A project's notifyUrl is a request aiworker makes from inside the deployment (SSRF): it must not reach
 * loopback, link-local (the cloud's metadata service) or private addresses, by literal or by a name that
 * resolves there, unless the deployment says so (AIWORKER_NOTIFY_ALLOW_PRIVATE=true); and the job's record
 * must not tell a closed port from one that answered nothing.
 */
let runtime: Runtime;
let api: ApiClient;
let receiver: Server;
let port: number;
const received: string[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  useFastRetries();
  receiver = createServer((req, res) => {
    received.push(req.url ?? '');
    res.writeHead(204).end();
  });
  receiver.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
  runtime = await startTestRuntime({ sweeper: false });
  api = apiClient(runtime.url, runtime.adminToken);
});
afterEach(() => {
  delete process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE;
});
afterAll(async () => {
  await runtime?.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

const documents = () => DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'us-east-1' }));

/** A project notifying `notifyUrl`, and the send_notification job a task entering needs_input makes. */
async function notificationJob(notifyUrl: string, until: (job: any) => boolean) {
  const project = ok(await api.post('/api/projects', { name: `Notify ${notifyUrl}`, giteaOwner: 'aiworker', giteaRepo: 'notify', notifyUrl }), 201);
  const task = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Ask' }), 201);
  const agent = await newAgent(runtime);
  await agent.call('get_next_task', { projectId: project.id });
  expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Well?' })).isError).toBe(false);
  await agent.close();
  return eventually(`the notification job of ${notifyUrl}`, async () => {
    // A notification job belongs to the project, not the task: found in the table (a test may scan).
    const page = await documents().send(new ScanCommand({ TableName: runtime.tableName, FilterExpression: '#type = :type AND projectId = :project', ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':type': 'send_notification', ':project': project.id } }));
    const id = page.Items?.[0]?.id as string | undefined;
    const job = id ? ok(await api.get(`/api/jobs/${id}`)) : undefined;
    return job && until(job) ? job : undefined;
  }, 90_000);
}

describe('notifyUrl and internal addresses', () => {
  it('refuses loopback by literal and by a name that resolves there; nothing is sent; the job says why', { timeout: 300_000 }, async () => {
    for (const url of [`http://127.0.0.1:${port}/literal`, `http://localhost:${port}/by-name`, `http://[::ffff:127.0.0.1]:${port}/mapped`]) {
      const job = await notificationJob(url, (candidate) => candidate.status === 'failed');
      expect(job.error, url).toMatch(/refused: .*loopback, link-local or private address.*AIWORKER_NOTIFY_ALLOW_PRIVATE=true/);
    }
    expect(received).toEqual([]);
  });

  it('delivers to a private address when the deployment allows it', { timeout: 120_000 }, async () => {
    process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE = 'true';
    const job = await notificationJob(`http://localhost:${port}/allowed`, (candidate) => candidate.status === 'succeeded');
    expect(job.result).toMatchObject({ delivered: true, status: 204 });
    expect(received).toEqual(['/allowed']);
  });

  it('records the same words for a closed port and for one that takes the connection and drops it', { timeout: 240_000 }, async () => {
    process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE = 'true';
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const dropper = createServer();
    dropper.on('connection', (socket) => socket.destroy());
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    try {
      const errorOf = async (url: string) => (await notificationJob(url, (candidate) => Boolean(candidate.error))).error as string;
      const refused = await errorOf(`http://127.0.0.1:${closed}/`);
      const dropped = await errorOf(`http://127.0.0.1:${(dropper.address() as AddressInfo).port}/`);
      expect(refused).toMatch(new RegExp(`Notification to 127\\.0\\.0\\.1:${closed}: delivery failed$`));
      const withoutPort = (text: string) => text.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:PORT');
      expect(withoutPort(dropped)).toBe(withoutPort(refused));
    } finally {
      await new Promise<void>((resolve) => dropper.close(() => resolve()));
    }
  });
});

describe('which addresses are internal', () => {
  it('covers loopback, link-local (cloud metadata), private, shared and mapped ranges, and not public ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe']) {
      expect(isInternalAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111']) {
      expect(isInternalAddress(address), address).toBe(false);
    }
  });
});
