/**
 * `npm run build` output, exercised the way Lambda would: each bundle is imported by a FRESH Node process
 * (no project sources, no tsx) with only the emulators' endpoints and the deployed NODE_OPTIONS in its environment,
 * and answers a real event.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { httpEventV2, mcpPostEvent } from '../../packages/local/src/lambda-events.js';
import { ensureQueues, ensureTable } from '../../packages/local/src/provision.js';
import { buildFunctions, bundlePath, sourceOf, type BuiltBundle } from '../../scripts/build.js';
import { deployables, nodeOptions, type Deployable } from '../../stacks/deployables.js';
import { invokeInFreshNode as invokeFresh } from '../../packages/local/src/fresh-node.js';
import { secretEnvironment } from '../../packages/local/src/secrets.js';

/** The handler's answer from a fresh Node process (source maps on, so a failure points at the source). */
const invokeInFreshNode = async (file: string, event: unknown, env: Record<string, string>) => (await invokeFresh(file, event, env, { sourceMaps: true })).result;

const outdir = mkdtempSync(join(tmpdir(), 'aiworker-bundles-'));
const present = deployables().filter((fn) => sourceOf(fn.handler));
const missing = (kind: Deployable['kind']) => !present.some((fn) => fn.kind === kind);
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const missingNote = (kind: Deployable['kind']) => (missing(kind) ? ` (skipped: the ${kind} handler file does not exist yet)` : '');

let bundles: BuiltBundle[];
let env: Record<string, string>;
let queueUrl: string;
const adminToken = `adm_${uniqueName('bundles')}`;

beforeAll(async () => {
  bundles = await buildFunctions({ outdir, functions: present });
  const name = uniqueName('bundles');
  const region = 'us-east-1';
  const dynamo = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTable(dynamo, name);
  dynamo.destroy();
  const sqs = new SQSClient({ endpoint: inject('sqsEndpoint'), region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const queues = await ensureQueues(sqs, `${name}-`);
  sqs.destroy();
  queueUrl = queues.queueUrl;
  env = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_ENDPOINT_URL_SQS: inject('sqsEndpoint'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AIWORKER_TABLE: name,
    AIWORKER_QUEUE_URL: queues.queueUrl,
    AIWORKER_DLQ_URL: queues.deadLetterUrl,
    ...secretEnvironment({ AdminToken: adminToken }),
    // Node's options as the stacks deploy them (AsyncLocalStorage on async context frames).
    NODE_OPTIONS: nodeOptions,
  };
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Invokes the bundle of a REST handler with the API Gateway v2 event for one request. */
async function rest(handler: string, method: string, path: string, options: { routePath?: string; body?: unknown; token?: string; pathParameters?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { host: 'api.example.test', 'user-agent': 'bundle-test', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const event = httpEventV2({
    method,
    url: new URL(`https://api.example.test${path}`),
    headers,
    body: Buffer.from(options.body === undefined ? '' : JSON.stringify(options.body)),
    routeKey: `${method} ${options.routePath ?? path}`,
    pathParameters: options.pathParameters,
  });
  const result = await invokeInFreshNode(bundlePath(outdir, handler), event, env);
  return { statusCode: result.statusCode as number, headers: result.headers as Record<string, string>, body: JSON.parse(result.body) };
}

describe('npm run build', () => {
  it('writes one minified ESM bundle with a source map per function that exists', () => {
    expect(bundles.map((bundle) => bundle.fn.handler).sort()).toEqual(present.map((fn) => fn.handler).sort());
    for (const bundle of bundles) {
      expect(bundle.file).toBe(bundlePath(outdir, bundle.fn.handler));
      expect(existsSync(`${bundle.file}.map`)).toBe(true);
      expect(bundle.bytes).toBeGreaterThan(0);
    }
  });

  it("keeps in each REST bundle only its own operation's schemas (a cold start builds nothing else)", () => {
    const text = (handler: string) => readFileSync(bundlePath(outdir, handler), 'utf8');
    // Texts of schemas that only other operations use: the task create body, the pull-request body, the job.
    const foreign = ['dependsOn lists a task twice', 'Defaults to the task title', 'What the job does in Gitea', 'Display name'];
    const get = text('functions/api/tasks/get');
    for (const words of foreign) expect(get, words).not.toContain(words);
    // …while the operations that do use them carry them.
    expect(text('functions/api/tasks/create')).toContain('dependsOn lists a task twice');
    expect(text('functions/api/tasks/pull-request')).toContain('Defaults to the task title');
    expect(text('functions/api/projects/create')).toContain('Display name');
  });

  it('refuses to build, naming the file, when infra/ names a handler that does not exist', async () => {
    const ghost: Deployable = { id: 'api-ghost', kind: 'rest', handler: 'functions/api/ghost' };
    await expect(buildFunctions({ outdir, functions: [ghost] })).rejects.toThrow('functions/api/ghost.ts');
  });
});

describe('each bundle in a fresh Node process', () => {
  it('REST: health answers 200', async () => {
    const response = await rest('functions/api/health', 'GET', '/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ success: true, data: { status: 'ok' } });
  });

  it('REST: creates a project and a task in DynamoDB, and another bundle reads the task back', async () => {
    const project = await rest('functions/api/projects/create', 'POST', '/api/projects', {
      token: adminToken,
      body: { name: 'Bundled', giteaOwner: 'acme', giteaRepo: 'bundled' },
    });
    expect(project.statusCode).toBe(201);
    const task = await rest('functions/api/tasks/create', 'POST', '/api/tasks', {
      token: adminToken,
      body: { projectId: project.body.data.id, title: 'Ship the bundles' },
    });
    expect(task.statusCode).toBe(201);
    expect(task.body.data).toMatchObject({ projectId: project.body.data.id, title: 'Ship the bundles', state: 'backlog' });
    const read = await rest('functions/api/tasks/get', 'GET', `/api/tasks/${task.body.data.id}`, {
      routePath: '/api/tasks/{id}',
      pathParameters: { id: task.body.data.id },
      token: adminToken,
    });
    expect(read.statusCode).toBe(200);
    expect(read.body.data).toEqual(task.body.data);
  });

  it("REST: the request's correlation id goes into the job message it sends (AsyncLocalStorage under the deployed NODE_OPTIONS)", async () => {
    const project = await rest('functions/api/projects/create', 'POST', '/api/projects', { token: adminToken, body: { name: 'Correlated', giteaOwner: 'acme', giteaRepo: 'correlated' } });
    expect(project.statusCode).toBe(201);
    const correlation = uniqueName('corr');
    const job = await rest('functions/api/projects/repository', 'POST', `/api/projects/${project.body.data.id}/repository`, {
      routePath: '/api/projects/{id}/repository',
      pathParameters: { id: project.body.data.id },
      token: adminToken,
      headers: { 'x-correlation-id': correlation },
    });
    expect(job.statusCode).toBe(202);
    expect(job.headers['x-correlation-id']).toBe(correlation);
    const sqs = new SQSClient({ endpoint: inject('sqsEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const bodies: unknown[] = [];
      for (let i = 0; i < 5 && !bodies.some((body) => (body as { jobId?: string }).jobId === job.body.data.id); i++) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        bodies.push(...Messages.map((message) => JSON.parse(message.Body ?? '{}')));
      }
      expect(bodies).toContainEqual({ jobId: job.body.data.id, correlationId: correlation });
    } finally {
      sqs.destroy();
    }
  });

  it('REST: refuses a request without the admin token', async () => {
    const response = await rest('functions/api/tasks/create', 'POST', '/api/tasks', { body: { projectId: 'p', title: 't' } });
    expect(response.statusCode).toBe(401);
    expect(response.body.success).toBe(false);
  });

  it.skipIf(missing('mcp'))(`MCP: answers initialize on its function URL${missingNote('mcp')}`, async () => {
    const agent = await rest('functions/api/agents/register', 'POST', '/api/agents', { token: adminToken, body: { name: 'bundle-agent' } });
    expect(agent.statusCode).toBe(201);
    const mcp = deployables().find((fn) => fn.kind === 'mcp')!;
    const event = mcpPostEvent(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bundle-test', version: '1.0.0' } },
      },
      agent.body.data.token,
    );
    const result = await invokeInFreshNode(bundlePath(outdir, mcp.handler), event, env);
    expect(result.statusCode).toBe(200);
    const text: string = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
    // A JSON response, or one server-sent event carrying it.
    const json = text.trim().startsWith('{') ? text : text.split('\n').find((line) => line.startsWith('data:'))!.slice('data:'.length);
    expect(JSON.parse(json)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: expect.any(String), serverInfo: expect.any(Object) } });
  });

  it.skipIf(missing('worker'))(`worker: takes an SQS batch and answers with partial batch results${missingNote('worker')}`, async () => {
    const worker = deployables().find((fn) => fn.kind === 'worker')!;
    const record = (messageId: string, body: string) => ({
      messageId,
      receiptHandle: `receipt-${messageId}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'test', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:aiworker-jobs',
      awsRegion: 'us-east-1',
    });
    // A job that does not exist is done with (nothing to run), not retried forever.
    const result = await invokeInFreshNode(bundlePath(outdir, worker.handler), { Records: [record('m-1', JSON.stringify({ jobId: 'job_does_not_exist' }))] }, env);
    expect(result).toEqual({ batchItemFailures: [] });
  });
});
