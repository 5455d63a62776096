/**
 * No job waits forever (issue 9, class 6): while the system keeps running — no restart — the sweeper sends
 * a job whose worker died mid-job (its lease ended, its message gone) and a queued job whose message was
 * lost to the queue again, and a live worker finishes them.
 */
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobRepository } from '../../packages/core/src/db/job-repository.js';
import { runJobDelivery } from '../../packages/core/src/services/job-runner.js';
import type { JobGitea } from '../../packages/core/src/services/job-operations.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import type { WorkerPoller } from '../../packages/local/src/worker-poller.js';
import { ok, type ApiClient } from '../helpers/http.js';
import { deployedUnderTest } from '../helpers/runtime.js';
import { eventually, pollerFor, projectWithRepository, sqsFor, standInTarget, taskInProgress, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { adminApi, startFaultRuntime, useFaultSettings } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;
const pollers: WorkerPoller[] = [];

/** Takes the job's message off the queue, as a worker receives it (or as a lost message never arrives). */
async function takeMessage(jobId: string) {
  const sqs = sqsFor(runtime);
  try {
    const received = await eventually('the job message', async () => {
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return answer.Messages?.find((message) => message.Body?.includes(jobId));
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: runtime.queueUrl, ReceiptHandle: received.ReceiptHandle! }));
  } finally {
    sqs.destroy();
  }
}

/** A Gitea that never answers: the worker calling it hangs there until it is killed. */
const hangingGitea = new Proxy({} as JobGitea, { get: () => () => new Promise(() => undefined) });

describe.skipIf(deployedUnderTest)('no job waits forever, while the system keeps running', () => {
  beforeAll(async () => {
    useFaultSettings({ leaseSeconds: 2 });
    gitea = await standInTarget();
    // The sweeper runs every half second, as the schedule does on AWS every minute; the workers are the test's.
    runtime = await startFaultRuntime(gitea, { worker: false, sweeper: { intervalMs: 500 } });
    api = adminApi(runtime);
    const setup = await pollerFor(runtime);
    pollers.push(setup);
  });
  afterAll(async () => {
    delete process.env.AIWORKER_JOB_RESEND_SECONDS;
    for (const poller of pollers) await poller.stop();
    await runtime?.stop();
    await gitea?.close();
  });

  it('a job whose worker was killed mid-job (message gone, lease ended) is taken over by a live worker, without a restart', async () => {
    const project = await projectWithRepository(api, gitea);
    await pollers[0].stop();
    const task = await taskInProgress(api, project.id, 'Killed mid-job');
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    // The doomed worker receives the message (SQS hands it over and it is deleted with the batch), claims the
    // job and hangs in Gitea; then it is killed: nothing of it runs any more, and nobody restarts anything.
    await takeMessage(job.id);
    void runJobDelivery({ body: JSON.stringify({ jobId: job.id }), receiveCount: 1 }, hangingGitea);
    await eventually('the job to be running', async () => (await jobRepository.get(job.id))?.status === 'running');
    expect(ok(await api.get(`/api/jobs/${job.id}`))).toMatchObject({ status: 'running', attempts: 1 });

    pollers.push(await pollerFor(runtime));
    const done = await waitForJob(api, job.id, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ok(await api.get(`/api/tasks/${task.id}`)).branchName).toBe(done.result.branch);
  });

  it('a queued job whose message was lost is sent again once it has waited longer than any backoff', async () => {
    process.env.AIWORKER_JOB_RESEND_SECONDS = '1';
    const project = await projectWithRepository(api, gitea);
    const task = await taskInProgress(api, project.id, 'Lost message');
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    await takeMessage(job.id);
    pollers.push(await pollerFor(runtime));
    const done = await waitForJob(api, job.id, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
