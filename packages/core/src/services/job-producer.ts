import { config } from '../config.js';
import { createHash } from 'node:crypto';
import { newId, now } from '../ids.js';
import { jobRepository } from '../db/job-repository.js';
import type { Job, JobInput, JobRecord } from '../schemas/job.js';
import { sendJobMessage } from './job-queue.js';
import { retrySettings } from './job-retry.js';
import { logger } from '../telemetry.js';
import { clockDate } from '../clock.js';

/** What the API shows of a job: never the worker's lease. */
export function publicJob(record: JobRecord): Job {
  const { leaseUntil: _lease, ...job } = record;
  return job;
}

/** A job to record: its `type` is its input's. */
export interface JobSpec {
  projectId: string;
  taskId?: string;
  input: JobInput;
  /** The claim on the task that asked (fencing: a result for a claim that ended moves nothing). */
  claim?: Job['claim'];
  /** Who asked (an actor, as in task events); its result's task event names them. */
  requestedBy?: string;
}

/** A job id that is the same for the same request key: version 8 (custom) UUID from a SHA-256 of the key. */
export function jobIdFor(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Records a job (conditional put: a new item only) and sends `{jobId}` to the job queue. When the send
 * fails the job stays `queued` and visible; the runtime re-sends queued jobs when it starts.
 *
 * With a `key` (what the job is for, e.g. a task at a version), the id comes from the key: requests that
 * race each other for the same thing (a client retrying while its first request is still being served)
 * record one job, and all get it.
 */
export async function enqueueJob(spec: JobSpec, options: { key?: string } = {}): Promise<Job> {
  const at = now();
  const job: JobRecord = { id: options.key ? jobIdFor(options.key) : newId(), type: spec.input.type, ...spec, status: 'queued', attempts: 0, createdAt: at, updatedAt: at, version: 1 };
  if (!(await jobRepository.save(job, undefined))) {
    const existing = options.key ? await jobRepository.get(job.id) : undefined;
    if (existing) return publicJob(existing);
    throw new Error(`Job id ${job.id} already exists`);
  }
  try {
    await sendJobMessage(job.id);
    logger.info('Job requested', { jobId: job.id, type: job.type, projectId: job.projectId, taskId: job.taskId });
  } catch (error) {
    logger.warn('Job recorded but not sent to the queue; it stays queued until re-sent', { jobId: job.id, error: error as Error });
  }
  return publicJob(job);
}

/**
 * Sends every job still `queued` to the queue again, and every job left `running` by a worker that died
 * (its lease has ended): at start-up, so nothing waits forever even if its message was lost. Duplicates
 * are harmless: a job is claimed with a conditional write, and a finished one is only acknowledged.
 */
export const resendQueuedJobs = (): Promise<number> => resendStalledJobs({ queuedUnchangedSeconds: 0 });

/**
 * Seconds a `queued` job may sit unchanged before the sweeper assumes its message was lost: longer than
 * the longest retry backoff (a retried job waits that long for its message on purpose), plus a minute.
 */
export const stalledAfterSeconds = (): number =>
  config().jobResendSeconds ?? retrySettings().maxSeconds + 60;

/**
 * What the sweeper does for jobs while the system runs (and the runtime at start-up): re-sends every
 * `queued` job unchanged for `queuedUnchangedSeconds` (its message may be lost: a send that failed, a
 * message dropped) and every `running` job whose lease has ended (its worker died). Two Queries by
 * status, no Scan; a duplicate message is harmless.
 */
export async function resendStalledJobs(options: { queuedUnchangedSeconds?: number; at?: Date } = {}): Promise<number> {
  const at = options.at ?? clockDate();
  const queuedBefore = new Date(at.getTime() - (options.queuedUnchangedSeconds ?? stalledAfterSeconds()) * 1000).toISOString();
  const stalled = (job: JobRecord) =>
    job.status === 'queued' ? job.updatedAt <= queuedBefore : !job.leaseUntil || job.leaseUntil <= at.toISOString();
  let sent = 0;
  for (const status of ['queued', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await jobRepository.byStatus(status, 100, cursor);
      for (const job of page.items.filter(stalled)) {
        await sendJobMessage(job.id);
        sent++;
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return sent;
}
