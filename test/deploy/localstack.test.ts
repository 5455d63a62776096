/**
 * The LocalStack deploy script, as far as these machines allow (no Docker): its table and queue steps run
 * for real against the run's DynamoDB Local and fauxqs; its IAM and Lambda steps run as a dry run, whose
 * printed calls are checked against infra/.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queue } from '../../infra/queue.js';
import { routes } from '../../infra/routes.js';
import { table } from '../../infra/table.js';
import { deploy, type DeployResult } from '../../localstack/deploy.js';
import { createZip } from '../../localstack/zip.js';
import { deployables } from '../../stacks/deployables.js';

const name = `ls-${randomBytes(4).toString('hex')}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const printed: string[] = [];
let result: DeployResult;

const options = () => ({
  dryRun: true,
  // Nothing listens here: a dry run must not send a single IAM or Lambda call.
  endpoint: 'http://127.0.0.1:9',
  dynamoEndpoint: inject('dynamoEndpoint'),
  sqsEndpoint: inject('sqsEndpoint'),
  region: 'us-east-1',
  tableName: name,
  queuePrefix: `${name}-`,
  bundlesDir: join(tmpdir(), 'aiworker-no-bundles-here'),
  adminToken: 'adm_test',
  giteaUrl: 'https://gitea.example.test',
  giteaToken: 'gitea-test-token',
  log: (line: string) => void printed.push(line),
});

beforeAll(async () => {
  result = await deploy(options());
});

const callsOf = (command: string) => result.calls.filter((call) => call.command === command);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const createFunction = (id: string): any => callsOf('CreateFunctionCommand').find((call) => call.input.FunctionName === `aiworker-${id}`)?.input;

describe('localstack/deploy.ts: table and queue steps (real, on the emulators)', () => {
  it('creates the table with the keys and indexes of infra/', async () => {
    const dynamo = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1', credentials });
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    dynamo.destroy();
    expect(Table!.KeySchema).toEqual([
      { AttributeName: table.partitionKey, KeyType: 'HASH' },
      { AttributeName: table.sortKey, KeyType: 'RANGE' },
    ]);
    expect(Table!.GlobalSecondaryIndexes!.map((index) => index.IndexName).sort()).toEqual(table.indexes.map((index) => index.name).sort());
  });

  it('creates the job queue with its visibility timeout and the DLQ after maxReceiveCount receives', async () => {
    const sqs = new SQSClient({ endpoint: inject('sqsEndpoint'), region: 'us-east-1', credentials });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: result.queues.queueUrl, AttributeNames: ['All'] }));
    sqs.destroy();
    expect(Attributes!.VisibilityTimeout).toBe(String(queue.visibilityTimeoutSeconds));
    const redrive = JSON.parse(Attributes!.RedrivePolicy!);
    expect(redrive.deadLetterTargetArn).toBe(result.queues.deadLetterArn);
    expect(Number(redrive.maxReceiveCount)).toBe(queue.maxReceiveCount);
  });

  it('can run again over what exists', async () => {
    const again = await deploy({ ...options(), log: () => undefined });
    expect(again.queues).toEqual(result.queues);
  });
});

describe('localstack/deploy.ts --dry-run: the Lambda steps', () => {
  it('prints every call instead of sending it', () => {
    expect(result.calls.length).toBeGreaterThan(0);
    for (const call of result.calls) expect(printed).toContain(`${call.command} ${JSON.stringify(call.input)}`);
  });

  it('creates one function per function of infra/, on nodejs22.x, each with only its own settings', () => {
    const all = deployables();
    expect(callsOf('CreateFunctionCommand').map((call) => call.input.FunctionName).sort()).toEqual(all.map((fn) => `aiworker-${fn.id}`).sort());
    for (const fn of all) expect(createFunction(fn.id)).toMatchObject({ Runtime: 'nodejs22.x', Role: `arn:aws:iam::000000000000:role/aiworker-${fn.kind}`, PackageType: 'Zip' });

    const variables = (id: string) => Object.keys(createFunction(id).Environment.Variables).sort();
    const base = ['AWS_ENDPOINT_URL', 'NODE_OPTIONS'];
    for (const route of routes) {
      const id = route.handler.replace(/^functions\//, '').replace(/\//g, '-');
      expect(variables(id)).toEqual([...base, 'AIWORKER_QUEUE_URL', 'AIWORKER_TABLE', 'SST_RESOURCE_AdminToken'].sort());
    }
    expect(variables('mcp-handler')).toEqual([...base, 'AIWORKER_QUEUE_URL', 'AIWORKER_TABLE'].sort());
    expect(variables('worker-handler')).toEqual([...base, 'AIWORKER_QUEUE_URL', 'AIWORKER_TABLE', 'GITEA_URL', 'SST_RESOURCE_GiteaToken'].sort());
    expect(variables('sweeper-handler')).toEqual([...base, 'AIWORKER_QUEUE_URL', 'AIWORKER_TABLE'].sort());
    expect(createFunction('worker-handler').Environment.Variables).toMatchObject({ AIWORKER_TABLE: name, AIWORKER_QUEUE_URL: result.queues.queueUrl, GITEA_URL: 'https://gitea.example.test' });
    expect(createFunction('worker-handler').Timeout).toBeLessThanOrEqual(queue.visibilityTimeoutSeconds);
  });

  it('gives every REST route and the MCP function a public function URL, and the worker and sweeper none', () => {
    const http = deployables().filter((fn) => fn.kind === 'rest' || fn.kind === 'mcp');
    expect(callsOf('CreateFunctionUrlConfigCommand').map((call) => call.input)).toEqual(http.map((fn) => ({ FunctionName: `aiworker-${fn.id}`, AuthType: 'NONE' })));
    expect(callsOf('AddPermissionCommand').map((call) => call.input.FunctionName)).toEqual(http.map((fn) => `aiworker-${fn.id}`));
    expect(Object.keys(result.urls).sort()).toEqual(http.map((fn) => fn.id).sort());
  });

  it('maps the job queue to the worker with partial batch responses and the batch size of infra/', () => {
    expect(callsOf('CreateEventSourceMappingCommand').map((call) => call.input)).toEqual([
      {
        FunctionName: 'aiworker-worker-handler',
        EventSourceArn: result.queues.queueArn,
        BatchSize: queue.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Enabled: true,
      },
    ]);
  });

  it('grants each role only what its functions use, and never Scan', () => {
    const policy = (kind: string) => JSON.stringify(callsOf('PutRolePolicyCommand').find((call) => call.input.RoleName === `aiworker-${kind}`)!.input.PolicyDocument);
    // The sweeper only sends (stalled jobs again, the notification jobs an expired lease causes); only the worker receives.
    expect(policy('sweeper')).toContain('sqs:SendMessage');
    expect(policy('sweeper')).not.toContain('sqs:ReceiveMessage');
    expect(policy('worker')).toContain('sqs:ChangeMessageVisibility');
    for (const kind of ['rest', 'mcp', 'worker', 'sweeper']) {
      expect(policy(kind)).toContain('dynamodb:TransactWriteItems');
      expect(policy(kind)).not.toContain('dynamodb:Scan');
    }
  });
});

describe('localstack/zip.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiworker-zip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

  it.skipIf(!hasUnzip)('writes zips that unzip reads back byte for byte', () => {
    const code = Buffer.from(`export const handler = async () => ${JSON.stringify('ü'.repeat(5000))};\n`);
    const file = join(dir, 'bundle.zip');
    writeFileSync(file, createZip([{ name: 'get.mjs', data: code }, { name: 'get.mjs.map', data: Buffer.from('{"version":3}') }]));
    expect(spawnSync('unzip', ['-t', file]).status).toBe(0);
    expect(spawnSync('unzip', ['-p', file, 'get.mjs']).stdout.equals(code)).toBe(true);
  });
});
