import { logger, MetricUnit, recordMetric } from '../telemetry.js';
import { now } from '../ids.js';
import { jobRepository } from '../db/job-repository.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { isThrottlingError } from '../db/store.js';
import { AGAIN, retry } from '../db/retry.js';
import type { JobRecord } from '../schemas/job.js';
import { parseJobMessage } from './job-queue.js';
import { performJob, type JobGitea } from './job-operations.js';
import { completeJob, failJob, requeueJob } from './job-results.js';
import { RetryLaterError, classifyFailure, retryDelaySeconds, retrySettings } from './job-retry.js';
import { clockMs } from '../clock.js';

/** One delivery of a job message, as the worker sees it. */
export interface JobDelivery {
  body: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
}

export type DeliveryOutcome =
  | 'succeeded'
  /** Permanently failed: recorded on the job and the task; the message is done. */
  | 'failed'
  /** The job had already finished: a duplicate delivery, acknowledged. */
  | 'duplicate'
  /** No such job (deleted, or not a job message): nothing to do. */
  | 'unknown';

const isFinished = (job: JobRecord) => job.status === 'succeeded' || job.status === 'failed';

/**
 * Takes the job for this delivery: a conditional write (same version) moves it to `running`, counts the
 * attempt and takes a lease. A job another worker holds a live lease on is not run twice: the message
 * comes back later, when the job has usually finished.
 */
async function claimJob(jobId: string): Promise<JobRecord | 'duplicate' | 'unknown'> {
  const { leaseSeconds, baseSeconds } = retrySettings();
  const giveUp = () => new RetryLaterError(`Job ${jobId} kept changing while it was being claimed`, Math.max(1, Math.ceil(baseSeconds)));
  return retry<JobRecord | 'duplicate' | 'unknown'>({ attempts: 3, giveUp, backoffMs: () => 0 }, async () => {
    const job = await jobRepository.get(jobId);
    if (!job) return 'unknown';
    if (isFinished(job)) return 'duplicate';
    if (job.status === 'running' && job.leaseUntil && job.leaseUntil > now()) {
      // Come back when the lease ends, not sooner: if its holder crashed, this delivery takes the job over
      // then. Coming back every few seconds would use up the message's receives while the lease runs and
      // send it to the DLQ, leaving the job `running` for good.
      const leaseLeft = Math.ceil((Date.parse(job.leaseUntil) - clockMs()) / 1000) + 1;
      throw new RetryLaterError(`Job ${jobId} is being run by another worker (its lease ends in ${leaseLeft - 1}s)`, Math.max(1, Math.ceil(baseSeconds), leaseLeft));
    }
    const at = now();
    const claimed: JobRecord = {
      ...job,
      status: 'running',
      attempts: job.attempts + 1,
      leaseUntil: new Date(clockMs() + leaseSeconds * 1000).toISOString(),
      updatedAt: at,
      version: job.version + 1,
    };
    return (await jobRepository.save(claimed, job.version)) ? claimed : AGAIN;
  });
}

/**
 * Runs one delivery of a job message. Resolves when the message is done with (succeeded, permanently
 * failed, duplicate); throws RetryLaterError when it must come back after `delaySeconds` — after the
 * queue's receive limit it is marked failed ("gave up…") and SQS moves it to the DLQ.
 */
export async function runJobDelivery(delivery: JobDelivery, gitea?: JobGitea): Promise<{ jobId?: string; outcome: DeliveryOutcome }> {
  let jobId: string;
  try {
    jobId = parseJobMessage(delivery.body).jobId;
  } catch {
    return { outcome: 'unknown' };
  }
  const claimed = await claimJob(jobId).catch((error: unknown) => {
    // Throttled beyond the SDK's retries before the job was taken: nothing changed, come back shortly.
    if (isThrottlingError(error)) throw new RetryLaterError(`Job ${jobId} could not be claimed, DynamoDB is throttling: ${(error as Error).message}`, Math.max(1, Math.ceil(retrySettings().baseSeconds)));
    throw error;
  });
  if (typeof claimed === 'string') return { jobId, outcome: claimed };
  try {
    return await runClaimed(claimed, delivery, gitea);
  } catch (error) {
    if (error instanceof RetryLaterError) throw error;
    // The job could not be recorded (e.g. DynamoDB throttled beyond the SDK's retries): hand the job back
    // so the next delivery runs it at once (it finds what Gitea already made). If even that cannot be
    // written, the job keeps its lease and the next delivery after the lease takes it over.
    const message = error instanceof Error ? error.message : String(error);
    const released = await requeueJob(claimed, `attempt ${claimed.attempts} could not be recorded, retrying: ${message}`).then(
      () => true,
      () => false,
    );
    const { baseSeconds, leaseSeconds } = retrySettings();
    throw new RetryLaterError(`Job ${jobId} attempt ${claimed.attempts} could not be recorded: ${message}`, Math.max(1, Math.ceil(released ? baseSeconds : leaseSeconds + 1)));
  }
}

/** Why the job must not run: its project (or task) was deleted after it was asked for. */
async function goneParent(job: JobRecord): Promise<string | undefined> {
  const [project, task] = await Promise.all([projectRepository.get(job.projectId), job.taskId ? taskRepository.get(job.taskId) : undefined]);
  if (!project) return `project '${job.projectId}' was deleted; nothing was done in Gitea`;
  if (job.taskId && !task) return `task '${job.taskId}' was deleted; nothing was done in Gitea`;
  return undefined;
}

async function runClaimed(claimed: JobRecord, delivery: JobDelivery, gitea?: JobGitea): Promise<{ jobId: string; outcome: DeliveryOutcome }> {
  const jobId = claimed.id;
  const gone = await goneParent(claimed);
  if (gone) {
    await failJob(claimed, gone);
    recordMetric('Jobs', 1, MetricUnit.Count, { outcome: 'failed' });
    return { jobId, outcome: 'failed' };
  }
  let result: Record<string, unknown>;
  try {
    result = await performJob(claimed, gitea);
  } catch (error) {
    const failure = classifyFailure(error);
    if (!failure.retryable) {
      await failJob(claimed, failure.message);
      recordMetric('Jobs', 1, MetricUnit.Count, { outcome: 'failed' });
      logger.warn('Job failed', { jobId, type: claimed.type, reason: failure.message });
      return { jobId, outcome: 'failed' };
    }
    const delay = retryDelaySeconds(claimed.attempts, failure.retryAfterSeconds);
    if (delivery.receiveCount >= retrySettings().maxReceiveCount) {
      await failJob(claimed, `gave up after ${claimed.attempts} attempts: ${failure.message}`);
      // This delivery is the message's last: SQS moves it to the dead-letter queue.
      recordMetric('Jobs', 1, MetricUnit.Count, { outcome: 'gave_up' });
      recordMetric('DeadLetterSends');
      logger.error('Job gave up; its message goes to the dead-letter queue', { jobId, type: claimed.type, attempts: claimed.attempts, reason: failure.message });
      throw new RetryLaterError(`Job ${jobId} gave up; its message goes to the dead-letter queue: ${failure.message}`, Math.max(1, Math.ceil(retrySettings().baseSeconds)));
    }
    await requeueJob(claimed, `attempt ${claimed.attempts} failed, retrying in ${delay}s: ${failure.message}`);
    recordMetric('Jobs', 1, MetricUnit.Count, { outcome: 'retried' });
    throw new RetryLaterError(`Job ${jobId} attempt ${claimed.attempts} failed: ${failure.message}`, delay);
  }
  await completeJob(claimed, result);
  recordMetric('Jobs', 1, MetricUnit.Count, { outcome: 'succeeded' });
  return { jobId, outcome: 'succeeded' };
}
