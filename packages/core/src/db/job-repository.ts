import type { Page } from '../schemas/common.js';
import type { JobRecord, JobStatus } from '../schemas/job.js';
import { timeKey } from './keys.js';
import { queryPage } from './page.js';
import { getItem, putVersioned, tableName, versionedPut, type Item, type TransactItem } from './store.js';

export const jobPk = (id: string) => `JOB#${id}`;
const SK = 'JOB';

/**
 * gsi1: the jobs of a task, oldest first. gsi2: jobs by status, oldest first, so the runtime can re-send
 * the jobs still queued when it starts (no Scan).
 */
export const jobItem = (job: JobRecord): Item => ({
  ...job,
  pk: jobPk(job.id),
  sk: SK,
  ...(job.taskId ? { gsi1pk: `TASK_JOBS#${job.taskId}`, gsi1sk: timeKey(job.createdAt, job.id) } : {}),
  gsi2pk: `JOB_STATUS#${job.status}`,
  gsi2sk: timeKey(job.createdAt, job.id),
});

export const jobRepository = {
  get: (id: string) => getItem<JobRecord>(jobPk(id), SK),
  /** Writes the job only if the stored one still has `expectedVersion` (undefined: only if new). */
  save: (job: JobRecord, expectedVersion: number | undefined) => putVersioned(jobItem(job), expectedVersion),
  put: (job: JobRecord, expectedVersion: number | undefined): TransactItem => versionedPut(jobItem(job), expectedVersion),
  byTask: (taskId: string, limit: number, cursor?: string): Promise<Page<JobRecord>> =>
    queryPage<JobRecord>({ tableName: tableName(), index: 'gsi1', partitionValue: `TASK_JOBS#${taskId}`, limit, cursor }),
  byStatus: (status: JobStatus, limit: number, cursor?: string): Promise<Page<JobRecord>> =>
    queryPage<JobRecord>({ tableName: tableName(), index: 'gsi2', partitionValue: `JOB_STATUS#${status}`, limit, cursor }),
};
