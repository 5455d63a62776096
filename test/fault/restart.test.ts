import { spawn, type ChildProcess } from 'node:child_process';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import type { Runtime, RuntimeOptions } from '../../packages/local/src/runtime.js';
import { jobRepository } from '../../packages/core/src/db/job-repository.js';
import { apiClient, ok } from '../helpers/http.js';
import { uniqueName } from '../helpers/runtime.js';
import { eventually, pollerFor, projectWithRepository, sqsFor, standInTarget, taskInProgress, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { Observed, adminApi, assertPipelineInvariants, faultWorker, preparePipeline, queuesOf, runPipeline, startFaultRuntime, useFaultSettings, type Target, PIPELINE_TEST_TIMEOUT_MS } from './helpers.js';

let gitea: GiteaTarget;
const running: Array<{ stop(): Promise<void> }> = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  useFaultSettings();
  gitea = await standInTarget();
});
afterEach(async () => {
  gitea.standIn!.recover();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const runtime of running.splice(0)) await runtime.stop();
});
afterAll(async () => {
  await gitea?.close();
});

/** A table, queues and admin token of its own, which successive runtimes share. */
function sharedStore() {
  const name = uniqueName('r');
  return { tableName: name, queuePrefix: `${name}-`, adminToken: `adm_${randomBytes(16).toString('hex')}` };
}

/** The local runtime in a child process (node + tsx), so it can be killed outright. */
async function startChildRuntime(options: RuntimeOptions): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/fault/runtime-child.ts')], {
    cwd: projectRoot,
    // A longer Gitea deadline than the tests' 1 s: a job caught waiting on a silent Gitea is still waiting when killed.
    env: { ...process.env, GITEA_TIMEOUT_MS: '5000', AIWORKER_CHILD_RUNTIME: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The child runtime did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /^READY (.*)$/m.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(JSON.parse(ready[1]).url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`The child runtime exited (${code}): ${output}`)));
  });
  return { url, process: child };
}

const jobStatus = async (target: Target, jobId: string) => (await apiClient(target.url, target.adminToken).get(`/api/jobs/${jobId}`)).body?.data;

describe('the local runtime killed in the middle of the pipeline and started again', () => {
  it('finishes every task after the restart: the jobs the dead worker held are taken over, none is lost or run twice', async () => {
    const store = sharedStore();
    const first = await startChildRuntime({
      port: 0,
      dynamoEndpoint: inject('dynamoEndpoint'),
      sqsEndpoint: inject('sqsEndpoint'),
      ...store,
      giteaUrl: gitea.url,
      giteaToken: gitea.token,
      worker: faultWorker,
      sweeper: false,
    });
    const target: Target = { url: first.url, adminToken: store.adminToken };
    const pipeline = await preparePipeline(apiClient(target.url, target.adminToken), gitea, { tasks: 10, agents: 5 });

    const started: string[] = [];
    const observed = new Observed();
    const pipelineDone = runPipeline(target, observed, gitea, pipeline, { onJob: (jobId) => started.push(jobId) });

    // Kill it (SIGKILL: no clean-up at all) once a few jobs are done, at a moment a job is surely running:
    // Gitea stops answering, and the first job caught waiting on it dies with the runtime.
    await eventually('a few jobs finished', async () => started.length >= 6 && (await jobStatus(target, started[0]))?.status === 'succeeded', 40_000);
    const standIn = gitea.standIn!;
    const before = standIn.requests.length;
    standIn.failFor('hang');
    await eventually('a job waiting on Gitea', async () => standIn.requests.length > before, 20_000);
    first.process.kill('SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));
    standIn.recover();
    const unansweredBefore = observed.unanswered;
    // What the dead runtime left behind, straight from its table: at least one job `running`, holding a lease.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      AIWORKER_TABLE: store.tableName,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    });
    const jobsLeft = (await Promise.all(pipeline.taskIds.map(async (taskId) => (await jobRepository.byTask(taskId, 100)).items))).flat();
    const stranded = jobsLeft.filter((job) => job.status === 'running');
    expect(stranded.length).toBeGreaterThan(0);
    for (const job of stranded) expect(job.leaseUntil).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 500));

    // A new runtime on the same table and queues; the agents (retrying all along) now reach it.
    const second: Runtime = await startFaultRuntime(gitea, store);
    running.push(second);
    target.url = second.url;
    const record = await pipelineDone;
    expect(observed.unanswered).toBeGreaterThan(unansweredBefore);

    const api = adminApi(second);
    await assertPipelineInvariants(api, gitea, pipeline, record, observed, { queues: queuesOf(second) });
    // The jobs that were running when the runtime died were taken over once their lease ended, and finished.
    for (const job of stranded) {
      expect(await jobStatus({ url: second.url, adminToken: store.adminToken }, job.id)).toMatchObject({ status: 'succeeded', attempts: job.attempts + 1 });
    }
  }, PIPELINE_TEST_TIMEOUT_MS);

  it('finishes every task when the runtime is stopped cleanly mid-pipeline and started again', async () => {
    const store = sharedStore();
    const first = await startFaultRuntime(gitea, store);
    running.push(first);
    const target: Target = { url: first.url, adminToken: store.adminToken };
    const pipeline = await preparePipeline(adminApi(first), gitea, { tasks: 10, agents: 5 });
    const started: string[] = [];
    const observed = new Observed();
    const pipelineDone = runPipeline(target, observed, gitea, pipeline, { onJob: (jobId) => started.push(jobId) });
    await eventually('a few jobs started', async () => started.length >= 6, 40_000);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await startFaultRuntime(gitea, store);
    running.push(second);
    target.url = second.url;
    const record = await pipelineDone;
    await assertPipelineInvariants(adminApi(second), gitea, pipeline, record, observed, { queues: queuesOf(second) });
  }, PIPELINE_TEST_TIMEOUT_MS);

  it('re-sends, on start, a job a dead worker left running whose message is gone, once its lease has ended', async () => {
    const store = sharedStore();
    const first = await startFaultRuntime(gitea, { ...store, worker: false });
    running.push(first);
    const api = adminApi(first);
    const setup = await pollerFor(first);
    const project = await projectWithRepository(api, gitea).finally(() => setup.stop());
    const task = await taskInProgress(api, project.id, 'Orphaned job');
    const job = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    // Its message is gone (received and deleted, as by a worker that then died), and the job shows `running`
    // with a lease that has ended: no delivery will ever come for it.
    const sqs = sqsFor(first);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: first.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(received.Messages).toHaveLength(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: first.queueUrl, ReceiptHandle: received.Messages![0].ReceiptHandle! }));
    sqs.destroy();
    const stored = (await jobRepository.get(job.id))!;
    const past = new Date(Date.now() - 1000).toISOString();
    expect(await jobRepository.save({ ...stored, status: 'running', attempts: 1, leaseUntil: past, version: stored.version + 1 }, stored.version)).toBe(true);
    await first.stop();
    running.splice(running.indexOf(first), 1);

    const second = await startFaultRuntime(gitea, store);
    running.push(second);
    const done = await waitForJob(adminApi(second), job.id, 20_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ok(await adminApi(second).get(`/api/tasks/${task.id}`)).branchName).toBe(done.result.branch);
  });
});
