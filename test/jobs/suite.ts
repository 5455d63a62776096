import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import type { WorkerPoller } from '../../packages/local/src/worker-poller.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { pollerFor, projectWithRepository, sendDuplicates, sqsFor, taskInProgress, useFastRetries, waitForJob, type GiteaTarget } from './helpers.js';

/**
 * The job suite: REST → job in DynamoDB → SQS → worker (invoked by the local poller with real SQS
 * batches) → Gitea. Runs against the stand-in, and against a real Gitea when one is configured.
 */
export function jobSuite(target: () => Promise<GiteaTarget>, options: { giteaTimeoutMs?: number } = {}) {
  let gitea: GiteaTarget;
  let runtime: Runtime;
  let api: ApiClient;
  let poller: WorkerPoller | undefined;
  const repos: string[] = [];

  beforeAll(async () => {
    useFastRetries(options.giteaTimeoutMs);
    gitea = await target();
    // The poller is started by the tests, so one can line up duplicate deliveries before the worker sees any.
    runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, worker: false });
    api = apiClient(runtime.url, runtime.adminToken);
    poller = await pollerFor(runtime);
  });
  afterEach(() => gitea.standIn?.assertNoViolations());
  afterAll(async () => {
    await poller?.stop();
    await runtime?.stop();
    for (const repo of repos) await gitea?.removeRepo(repo);
    await gitea?.close();
  });

  async function project() {
    const created = await projectWithRepository(api, gitea);
    repos.push(created.giteaRepo);
    return created;
  }

  it('takes a task from branch to pull request to merge, each through SQS and the worker', async () => {
    const created = await project();
    expect(created.repositoryJobId).toEqual(expect.any(String));
    expect(await gitea.branches(created.giteaRepo)).toEqual([created.defaultBranch]);
    const task = await taskInProgress(api, created.id, 'Add a login page: OAuth & 2FA!');

    const branchJob = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    expect(branchJob).toMatchObject({ type: 'create_branch', taskId: task.id, projectId: created.id, status: 'queued', attempts: 0 });
    const branchDone = await waitForJob(api, branchJob.id);
    expect(branchDone).toMatchObject({ status: 'succeeded', attempts: 1, result: { reused: false } });
    const expectedBranch = `task-${task.id.replace(/-/g, '').slice(0, 8)}-add-a-login-page-oauth-2fa`;
    expect(branchDone.result.branch).toBe(expectedBranch);
    expect(ok(await api.get(`/api/tasks/${task.id}`)).branchName).toBe(expectedBranch);
    expect((await gitea.branches(created.giteaRepo)).sort()).toEqual([created.defaultBranch, expectedBranch].sort());

    await gitea.commit(created.giteaRepo, expectedBranch);
    // The body is optional: an empty POST uses the task title and description.
    const prJob = ok(await api.post(`/api/tasks/${task.id}/pull-request`), 202);
    expect(prJob.type).toBe('create_pull_request');
    const prDone = await waitForJob(api, prJob.id);
    expect(prDone.status).toBe('succeeded');
    const afterPr = ok(await api.get(`/api/tasks/${task.id}`));
    expect(afterPr).toMatchObject({ state: 'ready_to_test', prNumber: prDone.result.number, prUrl: prDone.result.url, branchName: expectedBranch });
    expect(afterPr.prUrl).toMatch(new RegExp(`/${gitea.owner}/${created.giteaRepo}/pulls/${afterPr.prNumber}$`));
    expect(await gitea.pulls(created.giteaRepo)).toEqual([
      { number: afterPr.prNumber, head: expectedBranch, base: created.defaultBranch, state: 'open', merged: false },
    ]);

    // Merging needs an approved task.
    const early = await api.post(`/api/tasks/${task.id}/merge`);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain("'approved'");
    ok(await api.patch(`/api/tasks/${task.id}`, { state: 'approved' }));
    const mergeJob = ok(await api.post(`/api/tasks/${task.id}/merge`), 202);
    const mergeDone = await waitForJob(api, mergeJob.id);
    expect(mergeDone).toMatchObject({ status: 'succeeded', result: { number: afterPr.prNumber, merged: true, alreadyMerged: false } });
    expect(ok(await api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'staging', branchName: expectedBranch, prUrl: afterPr.prUrl });
    expect((await gitea.pulls(created.giteaRepo))[0]).toMatchObject({ state: 'closed', merged: true });

    const jobs = await api.get(`/api/tasks/${task.id}/jobs`);
    expect(jobs.status).toBe(200);
    expect(jobs.body.data.map((job: any) => [job.type, job.status])).toEqual([
      ['create_branch', 'succeeded'],
      ['create_pull_request', 'succeeded'],
      ['merge_pull_request', 'succeeded'],
    ]);
    const history = ok(await api.get(`/api/tasks/${task.id}/events?limit=100`));
    const events = history.map((event: any) => event.type);
    expect(events).toEqual(expect.arrayContaining(['branch_created', 'pull_request_opened', 'pull_request_merged']));
    // The merge is attributed to whoever asked for it (here the admin token), not to the worker that did it.
    expect(history.find((event: any) => event.type === 'pull_request_merged')).toMatchObject({ actor: 'admin' });
    expect(mergeJob.requestedBy).toBe('admin');
  });

  it('makes exactly one branch and one pull request when every message is delivered two or three times', async () => {
    const created = await project();
    const tasks = [];
    for (let i = 0; i < 3; i++) tasks.push(await taskInProgress(api, created.id, `Duplicate delivery ${i}`));
    const sqs = sqsFor(runtime);
    try {
      // Stop the worker, queue the jobs, and add two more copies of each message: 9 messages, one batch.
      await poller!.stop();
      const branchJobs = [];
      for (const task of tasks) branchJobs.push(ok(await api.post(`/api/tasks/${task.id}/branch`), 202));
      await sendDuplicates(sqs, runtime.queueUrl, branchJobs.map((job) => job.id), 2);
      poller = await pollerFor(runtime);
      for (const job of branchJobs) expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });

      const branches = (await gitea.branches(created.giteaRepo)).filter((name) => name !== created.defaultBranch);
      const recorded = [];
      for (const task of tasks) recorded.push(ok(await api.get(`/api/tasks/${task.id}`)).branchName);
      expect(branches.sort()).toEqual(recorded.sort());
      expect(branches).toHaveLength(3);
      for (const branch of branches) await gitea.commit(created.giteaRepo, branch);

      await poller.stop();
      const prJobs = [];
      for (const task of tasks) prJobs.push(ok(await api.post(`/api/tasks/${task.id}/pull-request`, { title: `PR for ${task.title}` }), 202));
      await sendDuplicates(sqs, runtime.queueUrl, prJobs.map((job) => job.id), 1);
      await sendDuplicates(sqs, runtime.queueUrl, [prJobs[0].id], 1);
      poller = await pollerFor(runtime);
      for (const job of prJobs) expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });

      const pulls = await gitea.pulls(created.giteaRepo);
      expect(pulls).toHaveLength(3);
      expect(new Set(pulls.map((pull) => pull.head))).toEqual(new Set(branches));
      for (const task of tasks) {
        const now = ok(await api.get(`/api/tasks/${task.id}`));
        expect(now.state).toBe('ready_to_test');
        expect(pulls.find((pull) => pull.head === now.branchName)?.number).toBe(now.prNumber);
      }
    } finally {
      sqs.destroy();
    }
  });
}

