import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queue } from '../../infra/queue.js';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { eventually, messagesIn, projectWithRepository, sqsFor, standInTarget, taskInProgress, useFastRetries, waitForJob, type GiteaTarget } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;
let sqs: SQSClient;

beforeAll(async () => {
  useFastRetries();
  gitea = await standInTarget();
  runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token });
  api = apiClient(runtime.url, runtime.adminToken);
  sqs = sqsFor(runtime);
});
afterEach(() => {
  gitea.standIn!.recover();
  gitea.standIn!.assertNoViolations();
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  await gitea?.close();
});

async function branchJobFor(title: string) {
  const project = await projectWithRepository(api, gitea);
  const task = await taskInProgress(api, project.id, title);
  return { project, task };
}

describe('Gitea failing for a while', () => {
  for (const mode of [500, 429, 'hang'] as const) {
    it(`retries through SQS with backoff when Gitea answers ${mode === 'hang' ? 'nothing (timeouts)' : mode}, and the job succeeds once it recovers`, async () => {
      const { project, task } = await branchJobFor(`Survive ${mode}`);
      gitea.standIn!.failNext(3, mode, { retryAfter: 1 });
      const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
      const done = await waitForJob(api, job.id);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 4 });
      expect(done.error).toBeUndefined();
      const after = ok(await api.get(`/api/tasks/${task.id}`));
      expect(after.branchName).toBe(done.result.branch);
      expect(after.lastError).toBeUndefined();
      const calls = gitea.standIn!.requests.filter(
        (request) => request.operationId === 'repoCreateBranch' && request.path.endsWith(`/repos/${gitea.owner}/${project.giteaRepo}/branches`),
      );
      expect(calls.map((call) => call.status)).toEqual(mode === 'hang' ? [0, 0, 0, 201] : [mode, mode, mode, 201]);
    });
  }

  it('shows the retry on the job while it waits', async () => {
    const { task } = await branchJobFor('Watch the retry');
    gitea.standIn!.failFor(500);
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    const retrying = await eventually('the first retry', async () => {
      const now = ok(await api.get(`/api/jobs/${job.id}`));
      return now.error ? now : undefined;
    });
    expect(retrying.error).toMatch(/attempt 1 failed, retrying in \d+s: Gitea createBranch failed with HTTP 500/);
    gitea.standIn!.recover();
    expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded' });
  });
});

describe('Gitea failing for good', () => {
  it('fails the job after the receive limit, moves its message to the DLQ, shows why on the task, and redrive recovers it', async () => {
    const { task } = await branchJobFor('Gitea is down');
    gitea.standIn!.failFor(500);
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    const failed = await waitForJob(api, job.id, 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(queue.maxReceiveCount);
    expect(failed.error).toMatch(new RegExp(`^gave up after ${queue.maxReceiveCount} attempts: Gitea createBranch failed with HTTP 500`));

    const shown = ok(await api.get(`/api/tasks/${task.id}`));
    expect(shown.lastError).toContain(failed.error);
    expect(shown.branchName).toBeUndefined();
    const events = ok(await api.get(`/api/tasks/${task.id}/events?limit=100`));
    expect(events.find((event: any) => event.type === 'job_failed')?.message).toContain('gave up');

    // The next receive past maxReceiveCount moves the message to the dead-letter queue.
    await eventually('the message in the DLQ', async () => (await messagesIn(sqs, runtime.deadLetterUrl)) === 1);
    expect(await messagesIn(sqs, runtime.queueUrl)).toBe(0);

    gitea.standIn!.recover();
    const { stdout } = await promisify(execFile)(join(projectRoot, 'node_modules/.bin/tsx'), ['scripts/redrive.ts'], {
      cwd: projectRoot,
      env: { ...process.env, AIWORKER_QUEUE_URL: runtime.queueUrl, AIWORKER_DLQ_URL: runtime.deadLetterUrl },
    });
    expect(stdout).toContain('Moved 1 message(s)');
    expect(stdout).toContain(job.id);
    expect(await messagesIn(sqs, runtime.deadLetterUrl)).toBe(0);

    const recovered = await waitForJob(api, job.id);
    expect(recovered).toMatchObject({ status: 'succeeded', attempts: queue.maxReceiveCount + 1 });
    const fixed = ok(await api.get(`/api/tasks/${task.id}`));
    expect(fixed.branchName).toBe(recovered.result.branch);
    expect(fixed.lastError).toBeUndefined();
  });

  it('ends a job at once when Gitea refuses it (4xx), with Gitea’s message on the job and the task', async () => {
    // The project points at a repository that does not exist in Gitea.
    const project = ok(await api.post('/api/projects', { name: 'No repo', giteaOwner: gitea.owner, giteaRepo: 'does-not-exist' }), 201);
    const task = await taskInProgress(api, project.id, 'Nowhere to branch');
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    const failed = await waitForJob(api, job.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error).toBe("Gitea createBranch failed with HTTP 404: The target couldn't be found.");
    const shown = ok(await api.get(`/api/tasks/${task.id}`));
    expect(shown.lastError).toContain(failed.error);
    const events = ok(await api.get(`/api/tasks/${task.id}/events?limit=100`));
    expect(events.map((event: any) => event.type)).toContain('job_failed');
    // Acknowledged, not retried: nothing waits in either queue.
    expect(await messagesIn(sqs, runtime.queueUrl)).toBe(0);
    expect(await messagesIn(sqs, runtime.deadLetterUrl)).toBe(0);
  });
});
