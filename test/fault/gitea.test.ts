import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FailureMode } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { eventually, standInTarget, type GiteaTarget } from '../jobs/helpers.js';
import { Observed, adminApi, assertPipelineInvariants, preparePipeline, queuesOf, runPipeline, startFaultRuntime, useFaultSettings, PIPELINE_TEST_TIMEOUT_MS } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;

beforeAll(async () => {
  useFaultSettings();
  gitea = await standInTarget();
  runtime = await startFaultRuntime(gitea);
});
afterEach(() => gitea.standIn!.recover());
afterAll(async () => {
  await runtime?.stop();
  await gitea?.close();
});

/**
 * Bursts of Gitea failures while the agents work: each starts once the pipeline has made progress (so a
 * burst hits the jobs running then, not one unlucky job again and again) and lasts `count` requests.
 */
const BURSTS: Array<{ afterJobs: number; mode: FailureMode; count: number }> = [
  { afterJobs: 2, mode: 500, count: 3 },
  { afterJobs: 6, mode: 429, count: 3 },
  { afterJobs: 10, mode: 'hang', count: 2 },
  { afterJobs: 14, mode: 500, count: 2 },
];

describe('Gitea answering 500, 429 or nothing in bursts while agents work', () => {
  it('retries through SQS until every task has its one branch and pull request; a refused repository shows its error on the job and the task', async () => {
    const api = adminApi(runtime);
    const standIn = gitea.standIn!;
    const pipeline = await preparePipeline(api, gitea, { tasks: 12, agents: 6 });
    // A project whose repository is not in Gitea: its branch job fails for good (404), whatever the bursts.
    const broken = await preparePipeline(api, gitea, { tasks: 1, agents: 1, repository: false });

    let jobsStarted = 0;
    const faults: FailureMode[] = [];
    const chaos = (async () => {
      for (const burst of BURSTS) {
        await eventually(`${burst.afterJobs} jobs started`, async () => jobsStarted >= burst.afterJobs, 40_000);
        const before = standIn.requests.length;
        standIn.failNext(burst.count, burst.mode, { retryAfter: 1 });
        await eventually(`the ${burst.mode} burst to be used up`, async () => standIn.requests.length >= before + burst.count, 40_000);
        faults.push(...Array(burst.count).fill(burst.mode));
      }
    })();

    const observed = new Observed();
    const target = { url: runtime.url, adminToken: runtime.adminToken };
    const [record, brokenRecord] = await Promise.all([
      runPipeline(target, observed, gitea, pipeline, { onJob: () => jobsStarted++ }),
      runPipeline(target, observed, gitea, broken),
    ]);
    await chaos;
    expect(faults).toHaveLength(10);

    await assertPipelineInvariants(api, gitea, pipeline, record, observed, { queues: queuesOf(runtime) });
    await assertPipelineInvariants(api, gitea, broken, brokenRecord, observed, { permanentFailures: broken.taskIds });

    // The bursts were felt: Gitea answered 500, 429 and nothing, and those jobs took more than one attempt.
    const statuses = new Set(standIn.requests.map((request) => request.status));
    for (const status of [500, 429, 0]) expect(statuses).toContain(status);
    const jobs = await Promise.all(record.jobIds.map(async (jobId) => (await api.get(`/api/jobs/${jobId}`)).body.data));
    const retried = jobs.filter((job) => job.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    // A retried job that succeeded no longer shows the error of its failed attempt.
    for (const job of retried) expect(job.error).toBeUndefined();

    const [brokenJob] = (await api.get(`/api/tasks/${broken.taskIds[0]}/jobs`)).body.data;
    expect(brokenJob).toMatchObject({ type: 'create_branch', status: 'failed', error: expect.stringContaining('HTTP 404') });
  }, PIPELINE_TEST_TIMEOUT_MS);
});
