/**
 * Referential integrity under concurrency and fencing of stale job results (issue 9, classes 1 and 2):
 * creating a child and deleting its parent exclude each other; a claim never hands out a task whose project
 * is gone; a deleted project's queued repository job makes nothing in Gitea; a deleted task takes its events
 * with it; a job's result moves a task only while the claim that asked for it still holds the task.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../packages/core/src/db/client.js';
import { taskRepository } from '../../packages/core/src/db/task-repository.js';
import { transact } from '../../packages/core/src/db/store.js';
import { config } from '../../packages/core/src/config.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import type { WorkerPoller } from '../../packages/local/src/worker-poller.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { deployedUnderTest, startTestRuntime } from '../helpers/runtime.js';
import { pollerFor, projectWithRepository, standInTarget, useFastRetries, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { connectAgent, newAgent } from '../mcp/mcp-client.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;
const pollers: WorkerPoller[] = [];

async function withWorker<T>(run: () => Promise<T>): Promise<T> {
  const poller = await pollerFor(runtime);
  pollers.push(poller);
  try {
    return await run();
  } finally {
    await poller.stop();
  }
}

const storedEvents = async (taskId: string) =>
  (
    await documentClient().send(
      new QueryCommand({
        TableName: config().tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': `TASK#${taskId}`, ':events': 'EVENT#' },
      }),
    )
  ).Items ?? [];

describe.skipIf(deployedUnderTest)('referential integrity and fencing', () => {
  beforeAll(async () => {
    useFastRetries();
    gitea = await standInTarget();
    // No worker of its own: each test starts one when its jobs should run.
    runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, worker: false, sweeper: false });
    api = apiClient(runtime.url, runtime.adminToken);
  });
  afterEach(() => gitea.standIn?.assertNoViolations());
  afterAll(async () => {
    for (const poller of pollers) await poller.stop();
    await runtime?.stop();
    await gitea?.close();
  });

  it('creating tasks while their project is deleted: either the delete is refused or the creates are, never a task without a project', async () => {
    for (let round = 0; round < 5; round++) {
      const project = await createProject(api);
      const creates = Array.from({ length: 12 }, (_, i) => api.post('/api/tasks', { projectId: project.id, title: `Racing ${round}.${i}` }));
      const [deleted, ...created] = await Promise.all([
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, round * 3));
          return api.delete(`/api/projects/${project.id}`);
        })(),
        ...creates,
      ]);
      for (const response of created) expect([201, 404], JSON.stringify(response.body)).toContain(response.status);
      const made = created.filter((response) => response.status === 201).map((response) => response.body.data.id as string);
      const listed = ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`)) as Array<{ id: string }>;
      expect(listed.map((task) => task.id).sort()).toEqual(made.sort());
      if (deleted.status === 200) {
        expect(made).toEqual([]);
        expectError(await api.get(`/api/projects/${project.id}`), 404, 'NOT_FOUND');
      } else {
        expectError(deleted, 409, 'CONFLICT', /still has tasks/);
        expect(made.length).toBeGreaterThan(0);
        // Once its tasks are gone the project can go; a task created afterwards is refused.
        for (const id of made) ok(await api.delete(`/api/tasks/${id}`));
        ok(await api.delete(`/api/projects/${project.id}`));
        expectError(await api.post('/api/tasks', { projectId: project.id, title: 'Too late' }), 404, 'NOT_FOUND', /Project/);
      }
    }
  });

  it('a task creation held up until its project is deleted (the interleaving that made orphans) is refused with 404', async () => {
    const project = await createProject(api);
    // Hold every task-creating transaction until the project's delete has gone through (or 5 s passed).
    let projectGone!: () => void;
    const gone = new Promise<void>((resolve) => (projectGone = resolve));
    const isTaskCreation = (input: any) => (input?.TransactItems ?? []).some((item: any) => item.Put?.Item?.sk === 'TASK' && item.Put?.Item?.version === 1);
    const isProjectDelete = (command: string | undefined, input: any) =>
      [command?.startsWith('Delete') ? input?.Key?.pk : undefined, ...(input?.TransactItems ?? []).map((item: any) => item.Delete?.Key?.pk)].some((pk) => pk === `PROJECT#${project.id}`);
    const name = `hold-task-creation-${project.id}`;
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        if (isTaskCreation(args.input)) await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        const result = await next(args);
        if (isProjectDelete(context.commandName, args.input)) projectGone();
        return result;
      },
      { step: 'initialize', name },
    );
    try {
      const [created, deleted] = await Promise.all([api.post('/api/tasks', { projectId: project.id, title: 'Held up' }), api.delete(`/api/projects/${project.id}`)]);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
      expectError(created, 404, 'NOT_FOUND', /Project/);
      expect(ok(await api.get(`/api/tasks?projectId=${project.id}`))).toEqual([]);
    } finally {
      documentClient().middlewareStack.remove(name);
    }
  });

  it('a claim never hands out a task whose project is gone; an agent holding one is freed, not stuck', async () => {
    // A task left without its project (as data from before projects counted their tasks could be).
    const project = await createProject(api);
    const orphan = await createTask(api, project.id, { title: 'Orphan', priority: 100 });
    await documentClient().send(
      new (await import('@aws-sdk/lib-dynamodb')).DeleteCommand({ TableName: config().tableName, Key: { pk: `PROJECT#${project.id}`, sk: 'PROJECT' } }),
    );
    const home = await createProject(api);
    const real = await createTask(api, home.id, { title: 'Real work', priority: 1 });

    const { agent, call, close } = await newAgent(runtime);
    const claimed = await call('get_next_task');
    expect(claimed.isError, claimed.text).toBe(false);
    expect(claimed.structured.task.id).toBe(real.id);
    expect(claimed.structured.project.id).toBe(home.id);
    expect(ok(await api.get(`/api/tasks/${orphan.id}`)).state).toBe('backlog');
    await close();

    // An agent that holds such a task (claimed before its project went) gets it cancelled and is free.
    const second = await createTask(api, project.id, { title: 'Held orphan' }).catch(() => undefined);
    expect(second).toBeUndefined();
    const { agent: holder, token } = await newAgent(runtime);
    const held = ok(await api.get(`/api/tasks/${orphan.id}`));
    const next = { ...held, state: 'in_progress', assignedAgentId: holder.id, version: held.version + 1 };
    const { assignAgentUpdate } = await import('../../packages/core/src/db/agent-repository.js');
    expect(await transact([...taskRepository.put(next, held.version), assignAgentUpdate(holder.id, orphan.id, new Date().toISOString())])).toEqual([]);
    const mcp = await connectAgent(runtime, token);
    const answer = await mcp.call('get_next_task');
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured.task).toBeNull();
    expect(ok(await api.get(`/api/tasks/${orphan.id}`)).state).toBe('cancelled');
    expect(ok(await api.get(`/api/agents/${holder.id}`))).toMatchObject({ status: 'idle' });
    expect(ok(await api.get(`/api/agents/${agent.id}`)).currentTaskId).toBe(real.id);
    await mcp.close();
  });

  it('a project deleted while its create_repository job waits: the job fails saying so and no repository is made', async () => {
    const repo = `gone-${Date.now()}`;
    const project = ok(await api.post('/api/projects', { name: 'Short-lived', giteaOwner: gitea.owner, giteaRepo: repo, createRepository: true }), 201);
    ok(await api.delete(`/api/projects/${project.id}`));
    const job = await withWorker(() => waitForJob(api, project.repositoryJobId));
    expect(job).toMatchObject({ status: 'failed' });
    expect(job.error).toMatch(/project .* was deleted; nothing was done in Gitea/);
    expect(gitea.standIn!.state.repo(gitea.owner, repo)).toBeUndefined();
  });

  it('a deleted task takes its events with it', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    ok(await api.patch(`/api/tasks/${task.id}`, { priority: 70 }));
    ok(await api.patch(`/api/tasks/${task.id}`, { state: 'cancelled' }));
    expect((await storedEvents(task.id)).length).toBeGreaterThanOrEqual(2);
    ok(await api.delete(`/api/tasks/${task.id}`));
    expect(await storedEvents(task.id)).toEqual([]);
    expectError(await api.get(`/api/tasks/${task.id}/events`), 404, 'NOT_FOUND');
  });

  it("a pull request asked for by an agent that gave the task up does not move the next agent's task", async () => {
    const project = await withWorker(() => projectWithRepository(api, gitea));
    const task = await createTask(api, project.id, { title: 'Fenced work', priority: 100 });
    const e = await newAgent(runtime, { name: 'agent-e' });
    const f = await newAgent(runtime, { name: 'agent-f' });

    expect((await e.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
    const branch = await withWorker(() => e.call('create_branch', { taskId: task.id, wait: 20 }));
    expect(branch.structured.job.status, branch.text).toBe('succeeded');
    await gitea.commit(project.giteaRepo, branch.structured.job.result.branch);

    const asked = await e.call('create_pull_request', { taskId: task.id });
    expect(asked.isError, asked.text).toBe(false);
    const jobId = asked.structured.job?.id ?? asked.structured.id;
    expect(ok(await api.get(`/api/jobs/${jobId}`)).claim).toMatchObject({ agentId: e.agent.id });
    expect((await e.call('update_task_status', { taskId: task.id, state: 'backlog', note: 'giving up' })).isError).toBe(false);
    expect((await f.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);

    const done = await withWorker(() => waitForJob(api, jobId));
    expect(done.status).toBe('succeeded');
    const after = ok(await api.get(`/api/tasks/${task.id}`));
    expect(after).toMatchObject({ state: 'in_progress', assignedAgentId: f.agent.id, prUrl: done.result.url, prNumber: done.result.number });
    expect(ok(await api.get(`/api/agents/${f.agent.id}`))).toMatchObject({ status: 'busy', currentTaskId: task.id });
    const events = ok(await api.get(`/api/tasks/${task.id}/events?limit=100`)) as Array<{ type: string; message: string; to?: string }>;
    const recorded = events.find((event) => event.type === 'pull_request_opened');
    expect(recorded?.message).toMatch(new RegExp(`agent ${e.agent.id}, which no longer holds the task`));
    expect(recorded?.to).toBeUndefined();
    for (const agent of [e, f]) await agent.close();
  });
});
