import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as worker } from '../../functions/worker/handler.js';
import { lambdaContext } from '../../packages/local/src/lambda-events.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { sqsRecord, type WorkerPoller } from '../../packages/local/src/worker-poller.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { messagesIn, pollerFor, projectWithRepository, sqsFor, standInTarget, taskInProgress, useFastRetries, waitForJob, type GiteaTarget } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;
let sqs: SQSClient;
let poller: WorkerPoller | undefined;

beforeAll(async () => {
  useFastRetries();
  gitea = await standInTarget();
  // No worker of its own: each test decides when and how the queue is consumed.
  runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, worker: false });
  api = apiClient(runtime.url, runtime.adminToken);
  sqs = sqsFor(runtime);
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  gitea.standIn!.recover();
  gitea.standIn!.assertNoViolations();
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  await gitea?.close();
});

/** A project with a repository (made by a worker run just for that) and `count` tasks in progress with branch jobs queued. */
async function queuedBranchJobs(count: number) {
  const setup = await pollerFor(runtime);
  const project = await projectWithRepository(api, gitea).finally(() => setup.stop());
  const jobs = [];
  for (let i = 0; i < count; i++) {
    const task = await taskInProgress(api, project.id, `Batch task ${i}`);
    jobs.push(ok(await api.post(`/api/tasks/${task.id}/branch`), 202));
  }
  return { project, jobs };
}

const branchPosts = (repo: string) =>
  gitea.standIn!.requests.filter((request) => request.operationId === 'repoCreateBranch' && request.path.endsWith(`/${repo}/branches`));

describe('a batch where some records fail', () => {
  it('reports only the unfinished messages in batchItemFailures; they come back and every job succeeds once', async () => {
    const { project, jobs } = await queuedBranchJobs(4);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: runtime.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, AttributeNames: ['All'] }),
    );
    expect(received.Messages).toHaveLength(4);
    const queueArn = `arn:aws:sqs:${process.env.AWS_REGION}:000000000000:${runtime.queueUrl.split('/').pop()}`;
    const event = { Records: received.Messages!.map((message) => sqsRecord(message, queueArn, process.env.AWS_REGION!)) };

    // Gitea fails the first two calls of this batch: two records fail halfway through, two succeed.
    gitea.standIn!.failNext(2, 500);
    const response = await worker(event, lambdaContext('functions/worker/handler'));
    expect(response.batchItemFailures).toHaveLength(2);

    const jobOf = (messageId: string) => JSON.parse(event.Records.find((record) => record.messageId === messageId)!.body).jobId as string;
    const failedIds = new Set(response.batchItemFailures.map((failure) => jobOf(failure.itemIdentifier)));
    for (const job of jobs) {
      const now = ok(await api.get(`/api/jobs/${job.id}`));
      // Exactly the jobs whose messages were reported are unfinished, with the error recorded for the retry.
      if (failedIds.has(job.id)) expect(now).toMatchObject({ status: 'queued', attempts: 1, error: expect.stringContaining('HTTP 500') });
      else expect(now).toMatchObject({ status: 'succeeded', attempts: 1 });
    }

    // What Lambda (and the local poller) does with the response: delete the rest.
    const done = event.Records.filter((record) => !response.batchItemFailures.some((failure) => failure.itemIdentifier === record.messageId));
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: runtime.queueUrl, Entries: done.map((record, i) => ({ Id: String(i), ReceiptHandle: record.receiptHandle })) }),
    );
    expect(await messagesIn(sqs, runtime.queueUrl)).toBe(2);

    poller = await pollerFor(runtime);
    for (const job of jobs) {
      expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded', attempts: failedIds.has(job.id) ? 2 : 1 });
    }
    expect(branchPosts(project.giteaRepo).filter((request) => request.status === 201)).toHaveLength(4);
    expect(await gitea.branches(project.giteaRepo)).toHaveLength(5);
  });

  it('loses nothing when the worker throws halfway through a batch: the whole batch returns, finished jobs are not run again', async () => {
    const { project, jobs } = await queuedBranchJobs(6);
    let crashed = 0;
    poller = await pollerFor(runtime, {
      // Short visibility so the returned batch is seen again quickly.
      visibilityTimeoutSeconds: 2,
      invoke: async (event, context) => {
        if (crashed === 0) {
          crashed = event.Records.length;
          await worker({ Records: event.Records.slice(0, Math.ceil(event.Records.length / 2)) }, context);
          throw new Error('worker crashed halfway through the batch');
        }
        return worker(event, context);
      },
    });
    for (const job of jobs) expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(crashed).toBe(6);
    // Every task got its branch, each made exactly once.
    expect(branchPosts(project.giteaRepo).map((request) => request.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(await gitea.branches(project.giteaRepo)).toHaveLength(7);
    await poller.stop();
    poller = undefined;
    expect(await messagesIn(sqs, runtime.queueUrl)).toBe(0);
  });
});

describe('jobs whose message never reached the queue', () => {
  it('stay queued and visible, and are re-sent when the runtime starts', async () => {
    const setup = await pollerFor(runtime);
    const project = await projectWithRepository(api, gitea).finally(() => setup.stop());
    const task = await taskInProgress(api, project.id, 'Lost message');
    const queueUrl = process.env.AIWORKER_QUEUE_URL!;
    process.env.AIWORKER_QUEUE_URL = `${queueUrl}-missing`;
    let job;
    try {
      job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    } finally {
      process.env.AIWORKER_QUEUE_URL = queueUrl;
    }
    expect(ok(await api.get(`/api/jobs/${job.id}`))).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await messagesIn(sqs, runtime.queueUrl)).toBe(0);

    // A runtime starting on the same table and queues re-sends what is still queued, and its worker runs it.
    const prefix = runtime.queueUrl.split('/').pop()!.replace(/aiworker-jobs$/, '');
    const restarted = await startTestRuntime({ tableName: runtime.tableName, queuePrefix: prefix, adminToken: runtime.adminToken });
    try {
      expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(ok(await api.get(`/api/tasks/${task.id}`)).branchName).toMatch(/^task-[0-9a-f]{8}-lost-message$/);
    } finally {
      await restarted.stop();
    }
  });
});
