/**
 * A task's long text (description, answers, review feedback) lives in its own item (`TASK#id / TEXT`), so the
 * writes hot paths make to the task item — claims, status changes, leases — stay small. What a person or an
 * agent reads is unchanged: GET, lists, get_task and get_next_task carry the text; the board's list leaves
 * it out (the drawer reads the task whole). Items written before the text moved are read as they are and
 * moved by their next change or by the migration.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../packages/core/src/db/client.js';
import { migrateTaskText } from '../../packages/core/src/db/migrate.js';
import { config } from '../../packages/core/src/config.js';
import { ensureTable } from '../../packages/local/src/provision.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { deployedUnderTest, startTestRuntime } from '../helpers/runtime.js';
import { newAgent } from '../mcp/mcp-client.js';

let runtime: Runtime;
let api: ApiClient;

const stored = async (taskId: string, sk: 'TASK' | 'TEXT') =>
  (await documentClient().send(new GetCommand({ TableName: config().tableName, Key: { pk: `TASK#${taskId}`, sk }, ConsistentRead: true }))).Item;
/** An item's size as DynamoDB counts it for write units: attribute names plus values (strings in UTF-8). */
function size(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(value).replace(/[-.]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + 1 + size(element), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + size(element), 0);
}

describe.skipIf(deployedUnderTest)('a task’s long text, kept out of the items hot paths write', () => {
  beforeAll(async () => {
    process.env.AIWORKER_BOARD_CACHE_MS = '0';
    runtime = await startTestRuntime({ worker: false, sweeper: false });
    api = apiClient(runtime.url, runtime.adminToken);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('keeps a 40 KB description, the answer and the feedback out of the task item, and shows them wherever the task is read', async () => {
    const project = await createProject(api);
    const description = `Build the thing.\n${'Details, details. '.repeat(2300)}`;
    expect(description.length).toBeGreaterThan(40_000);
    const task = await createTask(api, project.id, { title: 'Long one', description, priority: 90 });
    expect(task.description).toBe(description);

    // Stored: the task item small (no text), the text item with it.
    expect((await stored(task.id, 'TASK'))?.description).toBeUndefined();
    expect(size(await stored(task.id, 'TASK'))).toBeLessThan(1024);
    expect((await stored(task.id, 'TEXT'))?.description).toBe(description);

    // Read back: REST GET and list, and an agent's claim over MCP.
    expect(ok(await api.get(`/api/tasks/${task.id}`)).description).toBe(description);
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}`))[0].description).toBe(description);
    const agent = await newAgent(runtime);
    try {
      const claimed = await agent.call('get_next_task', { projectId: project.id });
      expect(claimed.structured.task).toMatchObject({ id: task.id, state: 'in_progress', description });
      // The claim's answer is the task exactly as stored (built from the item as it was before the claim's write).
      expect(claimed.structured.task).toEqual(ok(await api.get(`/api/tasks/${task.id}`)));
      expect((await agent.call('get_next_task', { projectId: project.id })).structured).toMatchObject({ resumed: true, task: { description } });

      // A question and its answer; the claim and the status changes leave the task item small.
      expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which database?' })).isError).toBe(false);
      const answer = `Postgres. ${'Because reasons. '.repeat(500)}`.trim();
      ok(await api.post(`/api/tasks/${task.id}/respond`, { response: answer }));
      expect((await agent.call('get_task', { taskId: task.id })).structured.task).toMatchObject({ state: 'in_progress', lastResponse: answer, description });
      expect((await stored(task.id, 'TASK'))?.lastResponse).toBeUndefined();
      expect((await stored(task.id, 'TEXT'))?.lastResponse).toBe(answer);
      expect(size(await stored(task.id, 'TASK'))).toBeLessThan(1024);

      // Review feedback: sent back by a person, read by the agent; the board says there is some, without the text.
      await agent.call('update_task_status', { taskId: task.id, state: 'ready_to_test' });
      ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress', feedback: 'Please add tests.' }));
      const resumed = await agent.call('get_next_task', { projectId: project.id });
      expect(resumed.structured.task.feedback).toMatch(/Please add tests\./);
      const onBoard = ok(await api.get('/api/board')).tasks.find((candidate: { id: string }) => candidate.id === task.id);
      expect(onBoard).toMatchObject({ id: task.id, state: 'in_progress', hasFeedback: true });
      expect(onBoard.description).toBeUndefined();
      expect(onBoard.feedback).toBeUndefined();
      expect(onBoard.lastResponse).toBeUndefined();
    } finally {
      await agent.close();
    }

    // An edit of the text changes the text item; deleting the task deletes it.
    const current = ok(await api.get(`/api/tasks/${task.id}`));
    ok(await api.patch(`/api/tasks/${task.id}`, { description: 'Short now', version: current.version }));
    expect((await stored(task.id, 'TEXT'))?.description).toBe('Short now');
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ description: 'Short now', feedback: expect.stringMatching(/Please add tests/) });
    ok(await api.delete(`/api/tasks/${task.id}`));
    expect(await stored(task.id, 'TEXT')).toBeUndefined();
  });

  it('a task with no text has no text item and a board entry without feedback', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id, { title: 'Bare' });
    expect(await stored(task.id, 'TEXT')).toBeUndefined();
    expect(ok(await api.get(`/api/tasks/${task.id}`)).description).toBeUndefined();
    expect(ok(await api.get('/api/board')).tasks.find((candidate: { id: string }) => candidate.id === task.id)).toMatchObject({ hasFeedback: false });
  });

  it('reads items written before the text moved, moves their text on their next change, and the migration moves the rest once', async () => {
    const project = await createProject(api);
    const [changed, untouched] = [await createTask(api, project.id, { title: 'Old A' }), await createTask(api, project.id, { title: 'Old B' })];
    // As the previous version wrote them: the text inside the task item, no text item.
    for (const task of [changed, untouched]) {
      const item = await stored(task.id, 'TASK');
      await documentClient().send(new PutCommand({ TableName: config().tableName, Item: { ...item, description: `Old text of ${task.title}`, feedback: 'Old feedback' } }));
    }
    // And an index key as a claim with a projectId used to write it (the project missing), which the migration repairs.
    const untouchedItem = await stored(untouched.id, 'TASK');
    await documentClient().send(new PutCommand({ TableName: config().tableName, Item: { ...untouchedItem, projectStatePk: 'PROJECT_STATE#undefined#backlog' } }));
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&state=backlog`)).map((task: { id: string }) => task.id)).not.toContain(untouched.id);
    expect(ok(await api.get(`/api/tasks/${changed.id}`))).toMatchObject({ description: 'Old text of Old A', feedback: 'Old feedback' });
    expect(ok(await api.get('/api/board')).tasks.find((candidate: { id: string }) => candidate.id === changed.id)).toMatchObject({ hasFeedback: true });

    // A change (here: the title) moves the text out with it.
    ok(await api.patch(`/api/tasks/${changed.id}`, { title: 'Old A, renamed' }));
    expect((await stored(changed.id, 'TASK'))?.description).toBeUndefined();
    expect(await stored(changed.id, 'TEXT')).toMatchObject({ description: 'Old text of Old A', feedback: 'Old feedback' });
    expect(ok(await api.get(`/api/tasks/${changed.id}`))).toMatchObject({ title: 'Old A, renamed', description: 'Old text of Old A', feedback: 'Old feedback' });

    // The migration: this table was made with the text already out (marked done); as on a table made before, unmark it.
    const client = new DynamoDBClient({});
    try {
      await documentClient().send(new DeleteCommand({ TableName: config().tableName, Key: { pk: 'MIGRATION', sk: 'TASK_TEXT' } }));
      expect(await migrateTaskText(config().tableName, client)).toBe(1);
      expect((await stored(untouched.id, 'TASK'))?.description).toBeUndefined();
      expect(await stored(untouched.id, 'TEXT')).toMatchObject({ description: 'Old text of Old B', feedback: 'Old feedback' });
      expect(ok(await api.get(`/api/tasks/${untouched.id}`))).toMatchObject({ description: 'Old text of Old B', feedback: 'Old feedback', version: untouched.version });
      expect(ok(await api.get(`/api/tasks?projectId=${project.id}&state=backlog`)).map((task: { id: string }) => task.id)).toContain(untouched.id);
      // Idempotent: done once, the table is marked and later starts change nothing.
      expect(await migrateTaskText(config().tableName, client)).toBe(0);
      expect(await ensureTable(client, config().tableName)).toBe('exists');
    } finally {
      client.destroy();
    }
  });
});
