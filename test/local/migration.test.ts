import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../packages/local/src/emulators/dynamodb.js';
import { claimNextTask } from '../../packages/core/src/index.js';
import { hashToken, newAgentToken } from '../../packages/core/src/auth/tokens.js';
import { jobRepository } from '../../packages/core/src/db/job-repository.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { ensureTable } from '../../packages/local/src/provision.js';
import { apiClient, ok } from '../helpers/http.js';
import { deployedUnderTest, startTestRuntime, uniqueName } from '../helpers/runtime.js';

/**
 * A table written by the first version (commit 9d70450): its five ALL-projected indexes gsi1…gsi5 and its
 * item shapes, written here exactly as that version's repositories wrote them. `npm start` on such a data
 * folder must keep every project, task, agent and job.
 */
const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;
const rank = (priority: number, createdAt: string, id: string) => `${String(100 - priority).padStart(3, '0')}#${createdAt}#${id}`;

const project = { id: 'p-old', name: 'Old shop', giteaOwner: 'acme', giteaRepo: 'shop', defaultBranch: 'main', createdAt: at(0), updatedAt: at(0), version: 1 };
const backlogTask = { id: 't-backlog', projectId: 'p-old', title: 'Waiting', description: 'From before', priority: 70, state: 'backlog', createdAt: at(1), updatedAt: at(1), version: 1 };
const activeTask = { id: 't-active', projectId: 'p-old', title: 'Being done', priority: 50, state: 'in_progress', assignedAgentId: '00000000-0000-4000-8000-00000000b054', createdAt: at(2), updatedAt: at(3), version: 2 };
const busyToken = newAgentToken('00000000-0000-4000-8000-00000000b054');
const idleToken = newAgentToken('00000000-0000-4000-8000-0000000001d1');
const agent = (id: string, token: string, status: string, extra: Record<string, unknown> = {}) => ({
  id, name: id, capabilities: ['typescript'], status, tokenHash: hashToken(token), lastSeenAt: at(4), lastHeartbeatAt: at(4), createdAt: at(0), updatedAt: at(4), version: 3, ...extra,
});
const busyAgent = agent('00000000-0000-4000-8000-00000000b054', busyToken, 'busy', { currentTaskId: 't-active' });
const idleAgent = agent('00000000-0000-4000-8000-0000000001d1', idleToken, 'idle');
const job = (id: string, status: string) => ({ id, type: 'create_branch', taskId: 't-active', projectId: 'p-old', status, attempts: status === 'queued' ? 0 : 1, input: { owner: 'acme', repo: 'shop', branch: 'b' }, createdAt: at(5), updatedAt: at(5), version: 1 });

function oldItems() {
  const task = (t: typeof backlogTask | typeof activeTask) => ({
    ...t,
    pk: `TASK#${t.id}`, sk: 'TASK',
    gsi1pk: 'TASKS', gsi1sk: `${t.createdAt}#${t.id}`,
    gsi2pk: `TASK_STATE#${t.state}`, gsi2sk: rank(t.priority, t.createdAt, t.id),
    gsi3pk: `PROJECT_TASKS#${t.projectId}`, gsi3sk: `${t.createdAt}#${t.id}`,
    ...('assignedAgentId' in t ? { gsi4pk: `AGENT_TASKS#${t.assignedAgentId}`, gsi4sk: `${t.createdAt}#${t.id}` } : {}),
    gsi5pk: `PROJECT_STATE#${t.projectId}#${t.state}`, gsi5sk: rank(t.priority, t.createdAt, t.id),
  });
  const agentItem = (a: ReturnType<typeof agent>) => ({ ...a, pk: `AGENT#${a.id}`, sk: 'AGENT', gsi1pk: 'AGENTS', gsi1sk: `${a.createdAt}#${a.id}`, gsi2pk: `AGENT_STATUS#${a.status}`, gsi2sk: a.lastSeenAt });
  const jobItem = (j: ReturnType<typeof job>) => ({ ...j, pk: `JOB#${j.id}`, sk: 'JOB', gsi1pk: `TASK_JOBS#${j.taskId}`, gsi1sk: `${j.createdAt}#${j.id}`, gsi2pk: `JOB_STATUS#${j.status}`, gsi2sk: `${j.createdAt}#${j.id}` });
  return [
    { ...project, pk: `PROJECT#${project.id}`, sk: 'PROJECT', gsi1pk: 'PROJECTS', gsi1sk: `${project.createdAt}#${project.id}` },
    task(backlogTask),
    task(activeTask),
    { taskId: 't-active', at: at(3), type: 'claimed', from: 'backlog', to: 'in_progress', agentId: '00000000-0000-4000-8000-00000000b054', message: 'Agent 00000000-0000-4000-8000-00000000b054 claimed the task', pk: 'TASK#t-active', sk: `EVENT#${at(3)}#abc` },
    agentItem(busyAgent),
    agentItem(idleAgent),
    jobItem(job('j-done', 'succeeded')),
    jobItem(job('j-queued', 'queued')),
  ];
}

async function writeOldTable(endpoint: string, tableName: string) {
  const client = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', ...[1, 2, 3, 4, 5].flatMap((n) => [`gsi${n}pk`, `gsi${n}sk`])].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [1, 2, 3, 4, 5].map((n) => ({
        IndexName: `gsi${n}`,
        KeySchema: [{ AttributeName: `gsi${n}pk`, KeyType: 'HASH' }, { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  await DynamoDBDocumentClient.from(client).send(new BatchWriteCommand({ RequestItems: { [tableName]: oldItems().map((Item) => ({ PutRequest: { Item } })) } }));
  return client;
}

describe.skipIf(deployedUnderTest)('data written by the first version (gsi1…gsi5)', () => {
  const tableName = uniqueName('old');
  let runtime: Runtime;
  let client: DynamoDBClient;
  let dynamo: DynamoDbLocal;
  const dataDir = mkdtempSync(join(tmpdir(), 'aiworker-old-'));
  beforeAll(async () => {
    // A DynamoDB Local of its own, with its data on disk, as `npm start` has on an old data folder (adding
    // indexes to a table of the run's shared, busy in-memory instance could stall for minutes).
    dynamo = await startDynamoDbLocal({ dataDir });
    client = await writeOldTable(dynamo.endpoint, tableName);
    // What `npm start` does on an old data folder: the runtime finds the table and moves it to today's layout.
    runtime = await startTestRuntime({ tableName, worker: false, sweeper: false, dynamoEndpoint: dynamo.endpoint });
  }, 300_000);
  afterAll(async () => {
    await runtime?.stop();
    client?.destroy();
    await dynamo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps projects, tasks, agents and jobs, listed and filtered as before', async () => {
    const api = apiClient(runtime.url, runtime.adminToken);
    expect(ok(await api.get('/api/projects')).map((p: { id: string }) => p.id)).toEqual(['p-old']);
    expect(ok(await api.get(`/api/projects/${project.id}`))).toMatchObject({ name: 'Old shop', giteaOwner: 'acme', giteaRepo: 'shop' });
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}`)).map((t: { id: string }) => t.id)).toEqual(['t-backlog', 't-active']);
    expect(ok(await api.get('/api/tasks')).map((t: { id: string }) => t.id)).toEqual(['t-backlog', 't-active']);
    expect(ok(await api.get('/api/tasks?state=backlog')).map((t: { id: string }) => t.id)).toEqual(['t-backlog']);
    expect(ok(await api.get('/api/tasks?ready=true')).map((t: { id: string }) => t.id)).toEqual(['t-backlog']);
    expect(ok(await api.get(`/api/tasks?assignedAgentId=00000000-0000-4000-8000-00000000b054`)).map((t: { id: string }) => t.id)).toEqual(['t-active']);
    expect(ok(await api.get(`/api/tasks/${backlogTask.id}`))).toEqual(backlogTask);
    // Its description moved to the task's text item (the task item, which claims and status changes write, keeps none).
    const raw = (sk: string) => DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: tableName, Key: { pk: `TASK#${backlogTask.id}`, sk }, ConsistentRead: true }));
    expect((await raw('TASK')).Item?.description).toBeUndefined();
    expect((await raw('TEXT')).Item).toMatchObject({ description: 'From before' });
    expect(ok(await api.get(`/api/tasks/${activeTask.id}/events`)).map((e: { type: string }) => e.type)).toEqual(['claimed']);
    expect(ok(await api.get('/api/agents')).map((a: { id: string }) => a.id).sort()).toEqual(['00000000-0000-4000-8000-00000000b054', '00000000-0000-4000-8000-0000000001d1'].sort());
    expect(ok(await api.get('/api/agents?status=busy')).map((a: { id: string }) => a.id)).toEqual(['00000000-0000-4000-8000-00000000b054']);
    expect(ok(await api.get('/api/jobs/j-done'))).toMatchObject({ status: 'succeeded', taskId: 't-active' });
    expect(ok(await api.get(`/api/tasks/${activeTask.id}/jobs`)).map((j: { id: string }) => j.id).sort()).toEqual(['j-done', 'j-queued']);
    expect((await jobRepository.byStatus('queued', 10)).items.map((j) => j.id)).toEqual(['j-queued']);
  });

  it('lets the old agents work: the busy one resumes its task, the idle one claims the waiting task with its old token', async () => {
    expect(await claimNextTask('00000000-0000-4000-8000-00000000b054')).toMatchObject({ task: { id: 't-active' }, resumed: true });
    const mcp = await fetch(`${runtime.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idleToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_next_task', arguments: {} } }),
    });
    const body = await mcp.json();
    const { result } = body;
    expect(result.structuredContent).toMatchObject({ task: { id: 't-backlog', state: 'in_progress', assignedAgentId: '00000000-0000-4000-8000-0000000001d1' }, resumed: false });
  });

  it('is idempotent: running the migration again changes nothing', async () => {
    const api = apiClient(runtime.url, runtime.adminToken);
    const before = ok(await api.get('/api/tasks'));
    expect(await ensureTable(client, tableName)).toBe('exists');
    expect(ok(await api.get('/api/tasks'))).toEqual(before);
  });
});
