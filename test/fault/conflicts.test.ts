import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { apiClient, ok, type ApiClient, type ApiResponse } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { injectDynamoFaults, isTransactionWrite, transactionConflict, watchDynamoErrors } from './helpers.js';

let runtime: Runtime;
let api: ApiClient;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false, sweeper: false });
  api = apiClient(runtime.url, runtime.adminToken);
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(() => runtime?.stop());

const WRITERS = 24;

/** WRITERS distinct, legal edits of one task at once, all without `version` (each asks to go on top of whatever is there). */
function editAtOnce(taskId: string, round: number): Promise<ApiResponse[]> {
  return Promise.all(
    Array.from({ length: WRITERS }, (_, i) =>
      api.patch(`/api/tasks/${taskId}`, i % 3 === 0 ? { priority: i } : i % 3 === 1 ? { description: `edit ${i}` } : { title: `Contended ${round} / ${i}` }),
    ),
  );
}

/** Each edit is applied (200) or refused with a 409 that says to try again; the applied ones each made exactly one version. */
async function expectNoneLost(taskId: string, responses: ApiResponse[]) {
  for (const response of responses) {
    if (response.status === 200) continue;
    expect(response.status, JSON.stringify(response.body)).toBe(409);
    expect(response.body.error.code).toMatch(/^(VERSION_CONFLICT|CONFLICT)$/);
    expect(response.body.error.message).toMatch(/try again/);
  }
  const versions = responses.filter((response) => response.status === 200).map((response) => response.body.data.version as number);
  const stored = ok(await api.get(`/api/tasks/${taskId}`));
  expect(new Set(versions).size).toBe(versions.length);
  expect(stored.version).toBe(1 + versions.length);
  if (versions.length) expect(Math.max(...versions)).toBe(stored.version);
  return versions.length;
}

describe('many people editing the same task at the same moment', () => {
  it('never get a 500: every edit is applied or refused with a 409 that says to retry, and no applied edit is lost', async () => {
    const project = await createProject(api);
    const errors = watchDynamoErrors();
    cleanups.push(errors.stop);
    let applied = 0;
    for (let round = 0; round < 2; round++) {
      const task = await createTask(api, project.id, { title: `Contended ${round}` });
      const responses = await editAtOnce(task.id, round);
      expect(responses.map((response) => response.status).filter((status) => status >= 500)).toEqual([]);
      applied += await expectNoneLost(task.id, responses);
    }
    expect(applied).toBeGreaterThan(0);
    // The races were real: DynamoDB refused writes whose version had moved on, and they were retried on fresh data.
    expect(errors.seen.filter((error: any) => error.CancellationReasons?.some((reason: any) => reason.Code === 'ConditionalCheckFailed')).length).toBeGreaterThan(0);
  });

  it('never get a 500 when DynamoDB cancels transactions for colliding with one another (TransactionConflict): they are retried', async () => {
    // DynamoDB Local runs transactions one at a time, so it never answers TransactionConflict; DynamoDB does,
    // when two transactions touch the same item at once. Inject that answer for every other transaction.
    let transactions = 0;
    const faults = injectDynamoFaults((command, input) => (isTransactionWrite(command) && transactions++ % 2 === 0 ? transactionConflict(input.TransactItems.length) : undefined));
    cleanups.push(faults.stop);
    const project = await createProject(api);
    const task = await createTask(api, project.id, { title: 'Busy task' });
    const responses = await editAtOnce(task.id, 9);
    expect(responses.map((response) => response.status).filter((status) => status >= 500)).toEqual([]);
    expect(await expectNoneLost(task.id, responses)).toBeGreaterThan(0);
    expect(faults.injected.length).toBeGreaterThan(WRITERS / 2);
    // A state change (task + its event in one transaction) gets through too, with its event written once.
    const moved = ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    expect(moved.state).toBe('in_progress');
    // Each applied edit has an `edited` event: read them all (more than one default page of 25).
    const events = ok<any[]>(await api.get(`/api/tasks/${task.id}/events?limit=100`));
    expect(events.filter((event) => event.type === 'state_changed')).toHaveLength(1);
  });

  it('get a 409 saying to try again, and nothing changed, when the collisions go on and on; the retry then works', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id, { title: 'Always busy' });
    const faults = injectDynamoFaults((command, input) => (isTransactionWrite(command) ? transactionConflict(input.TransactItems.length) : undefined));
    cleanups.push(faults.stop);
    const refused = await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress', description: 'lost in the crowd' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/nothing was changed; try again/) });
    // Bounded: a handful of tries, not a loop.
    expect(faults.injected.length).toBeGreaterThan(1);
    expect(faults.injected.length).toBeLessThanOrEqual(10);
    faults.stop();
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toEqual(task);
    expect(ok<any[]>(await api.get(`/api/tasks/${task.id}/events`)).map((event) => event.type)).toEqual(['created']);
    expect(ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress', description: 'lost in the crowd' }))).toMatchObject({ state: 'in_progress', version: 2 });
  });
});
