import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { ok } from '../helpers/http.js';
import { projectWithRepository, sendDuplicates, standInTarget, taskInProgress, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { Observed, adminApi, assertPipelineInvariants, preparePipeline, queuesOf, runPipeline, startFaultRuntime, useFaultSettings, PIPELINE_TEST_TIMEOUT_MS } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let sqs: SQSClient;

beforeAll(async () => {
  useFaultSettings();
  gitea = await standInTarget();
  runtime = await startFaultRuntime(gitea);
  sqs = queuesOf(runtime).sqs;
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  await gitea?.close();
});

describe('SQS delivering every job message several times', () => {
  it('still gives each task one branch and one pull request, runs each job once, and loses none', async () => {
    const api = adminApi(runtime);
    const pipeline = await preparePipeline(api, gitea, { tasks: 12, agents: 6 });
    const observed = new Observed();
    const sends: Promise<unknown>[] = [];
    let copies = 0;
    const record = await runPipeline({ url: runtime.url, adminToken: runtime.adminToken }, observed, gitea, pipeline, {
      // Learn each job's id at once (no waiting in the tool), so its copies arrive while it is queued or running.
      wait: 0,
      // Each job's message goes out 2 more times at once, and once more a little later (often while the job runs).
      onJob: (jobId) => {
        copies += 3;
        sends.push(sendDuplicates(sqs, runtime.queueUrl, [jobId], 2));
        sends.push(new Promise((resolve) => setTimeout(resolve, 150)).then(() => sendDuplicates(sqs, runtime.queueUrl, [jobId], 1)));
      },
    });
    await Promise.all(sends);
    expect(record.jobIds).toHaveLength(24);
    expect(copies).toBe(72);

    await assertPipelineInvariants(api, gitea, pipeline, record, observed, { queues: queuesOf(runtime) });
    // Run once: no Gitea failure here, so every job took exactly one attempt despite four deliveries.
    for (const jobId of record.jobIds) expect((await api.get(`/api/jobs/${jobId}`)).body.data).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(observed.retried).toEqual([]);
  }, PIPELINE_TEST_TIMEOUT_MS);

  it('makes one job when a client sends the same request several times at once (a retry racing the first try)', async () => {
    const api = adminApi(runtime);
    const project = await projectWithRepository(api, gitea);
    const task = await taskInProgress(api, project.id, 'Impatient client');
    const branch = await Promise.all(Array.from({ length: 8 }, () => api.post(`/api/tasks/${task.id}/branch`)));
    const branchJobs = new Set(branch.map((response) => ok(response, 202).id));
    expect(branchJobs.size).toBe(1);
    const done = await waitForJob(api, [...branchJobs][0]);
    await gitea.commit(project.giteaRepo, done.result.branch);
    const pr = await Promise.all(Array.from({ length: 8 }, () => api.post(`/api/tasks/${task.id}/pull-request`)));
    const prJobs = new Set(pr.map((response) => ok(response, 202).id));
    expect(prJobs.size).toBe(1);
    expect(await waitForJob(api, [...prJobs][0])).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(ok<any[]>(await api.get(`/api/tasks/${task.id}/jobs`)).map((job) => [job.type, job.status])).toEqual([
      ['create_branch', 'succeeded'],
      ['create_pull_request', 'succeeded'],
    ]);
    expect(await gitea.pulls(project.giteaRepo)).toHaveLength(1);
  });
});
