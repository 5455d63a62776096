import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as worker } from '../../functions/worker/handler.js';
import { runJobDelivery } from '../../packages/core/src/services/job-runner.js';
import { giteaFromEnvironment, type JobGitea } from '../../packages/core/src/services/job-operations.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import type { WorkerPoller } from '../../packages/local/src/worker-poller.js';
import { pollerFor, standInTarget, type GiteaTarget } from '../jobs/helpers.js';
import { Observed, adminApi, assertPipelineInvariants, faultWorker, preparePipeline, queuesOf, runPipeline, startFaultRuntime, useFaultSettings, PIPELINE_TEST_TIMEOUT_MS } from './helpers.js';

// Longer than the 2 s after which a crashed batch's messages return, and than the retries (1 s, 2 s) the
// returned message would otherwise go through: a job the dead worker held must still be taken over.
const LEASE_SECONDS = 6;

let gitea: GiteaTarget;
let runtime: Runtime;
let poller: WorkerPoller | undefined;

beforeAll(async () => {
  useFaultSettings({ leaseSeconds: LEASE_SECONDS });
  gitea = await standInTarget();
  // No worker of its own: the test runs one whose process "dies" now and then.
  runtime = await startFaultRuntime(gitea, { worker: false });
});
afterAll(async () => {
  await poller?.stop();
  await runtime?.stop();
  await gitea?.close();
});

/**
 * A Gitea client for a worker that dies right after Gitea did the work: the call goes through, then the
 * process is gone, so the job is never recorded as done (it stays `running`, holding its lease).
 */
function dyingGitea(real: JobGitea, died: () => void): JobGitea {
  return new Proxy(real, {
    get: (target, property) => {
      const value = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await value.apply(target, args);
        died();
        return new Promise(() => undefined);
      };
    },
  });
}

describe('the worker crashing in the middle of a batch', () => {
  it('loses no job and runs none twice: the batch comes back, finished jobs are acknowledged, the job the dead worker held is taken over', async () => {
    const api = adminApi(runtime);
    const victims: string[] = [];
    let armed = false;
    poller = await pollerFor(runtime, {
      ...faultWorker,
      invoke: async (event: SQSEvent, context: Context) => {
        if (!armed) return worker(event, context);
        // The first invocations (three deaths in all) die while running their last record.
        if (victims.length >= 3) return worker(event, context);
        const records = event.Records;
        const victim = records.at(-1)!;
        const before = await worker({ Records: records.slice(0, -1) }, context);
        let died!: () => void;
        const dead = new Promise<void>((resolve) => (died = resolve));
        const delivery = runJobDelivery({ body: victim.body, receiveCount: Number(victim.attributes.ApproximateReceiveCount) }, dyingGitea(await giteaFromEnvironment(), died));
        // A delivery of a job that is already finished (or held) never reaches Gitea: then nothing dies.
        const outcome = await Promise.race([dead.then(() => 'died'), delivery.then(() => 'done', () => 'retry')]);
        if (outcome === 'died') {
          victims.push(JSON.parse(victim.body).jobId);
          throw new Error('the worker process died halfway through the batch');
        }
        return { batchItemFailures: [...before.batchItemFailures, ...(outcome === 'retry' ? [{ itemIdentifier: victim.messageId }] : [])] };
      },
    });

    const pipeline = await preparePipeline(api, gitea, { tasks: 12, agents: 6 });
    armed = true;
    const observed = new Observed();
    const record = await runPipeline({ url: runtime.url, adminToken: runtime.adminToken }, observed, gitea, pipeline);
    expect(victims.length).toBeGreaterThan(0);

    await assertPipelineInvariants(api, gitea, pipeline, record, observed, { queues: queuesOf(runtime) });
    // Each job the dead worker held was run again once its lease ended, and found what Gitea had already made.
    for (const jobId of victims) {
      const job = (await api.get(`/api/jobs/${jobId}`)).body.data;
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2, result: { reused: true } });
    }
  }, PIPELINE_TEST_TIMEOUT_MS);
});
