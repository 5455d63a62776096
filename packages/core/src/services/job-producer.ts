import { newId, now } from '../ids.js';
import { jobRepository } from '../db/job-repository.js';
import type { Job, JobRecord, JobType } from '../schemas/job.js';
import { sendJobMessage } from './job-queue.js';

/** What the API shows of a job: never the worker's lease. */
export function publicJob(record: JobRecord): Job {
  const { leaseUntil: _lease, ...job } = record;
  return job;
}

export interface JobSpec {
  type: JobType;
  projectId: string;
  taskId?: string;
  input: Record<string, unknown>;
}

/**
 * Records a job (conditional put: a new item only) and sends `{jobId}` to the job queue. When the send
 * fails the job stays `queued` and visible; the runtime re-sends queued jobs when it starts.
 */
export async function enqueueJob(spec: JobSpec): Promise<Job> {
  const at = now();
  const job: JobRecord = { id: newId(), ...spec, status: 'queued', attempts: 0, createdAt: at, updatedAt: at, version: 1 };
  if (!(await jobRepository.save(job, undefined))) throw new Error(`Job id ${job.id} already exists`);
  try {
    await sendJobMessage(job.id);
  } catch (error) {
    console.warn(`Job ${job.id} is recorded but could not be sent to the queue; it stays queued until re-sent`, error);
  }
  return publicJob(job);
}

/** Sends every job still `queued` to the queue again (at start-up, so nothing waits forever). Duplicates are harmless. */
export async function resendQueuedJobs(): Promise<number> {
  let sent = 0;
  let cursor: string | undefined;
  do {
    const page = await jobRepository.byStatus('queued', 100, cursor);
    for (const job of page.items) {
      await sendJobMessage(job.id);
      sent++;
    }
    cursor = page.cursor;
  } while (cursor);
  return sent;
}
