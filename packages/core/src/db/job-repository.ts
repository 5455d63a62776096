import type { Page } from '../schemas/common.js';
import type { JobRecord, JobStatus } from '../schemas/job.js';
import { allShards, indexEntry, shardOf, timeKey } from './keys.js';
import { queryPage, queryShardedPage } from './page.js';
import { getItem, putVersioned, tableName, versionedPut, type Item, type TransactItem } from './store.js';

export const jobPk = (id: string) => `JOB#${id}`;
const SK = 'JOB';

/** Jobs that are not finished: the only ones anything looks up by status. */
const OPEN_STATUSES: readonly JobStatus[] = ['queued', 'running'];

/**
 * owner: the jobs of a task, oldest first (written once). status: unfinished jobs only (sparse), by status
 * and shard, oldest first, so the runtime can re-send the jobs still queued when it starts (no Scan); a
 * finished job leaves the index.
 */
export const jobItem = (job: JobRecord): Item => ({
  ...job,
  pk: jobPk(job.id),
  sk: SK,
  ...(job.taskId ? indexEntry('owner', `TASK_JOBS#${job.taskId}`, timeKey(job.createdAt, job.id)) : {}),
  ...(OPEN_STATUSES.includes(job.status) ? indexEntry('status', `JOBS_OPEN#${job.status}#${shardOf(job.id)}`, timeKey(job.createdAt, job.id)) : {}),
});

export const jobRepository = {
  get: (id: string) => getItem<JobRecord>(jobPk(id), SK),
  /** Writes the job only if the stored one still has `expectedVersion` (undefined: only if new). */
  save: (job: JobRecord, expectedVersion: number | undefined) => putVersioned(jobItem(job), expectedVersion),
  put: (job: JobRecord, expectedVersion: number | undefined): TransactItem => versionedPut(jobItem(job), expectedVersion),
  byTask: (taskId: string, limit: number, cursor?: string): Promise<Page<JobRecord>> =>
    queryPage<JobRecord>({ tableName: tableName(), index: 'owner', partitionValue: `TASK_JOBS#${taskId}`, limit, cursor }),
  /** Unfinished jobs of one status, oldest first across shards. */
  byStatus: (status: 'queued' | 'running', limit: number, cursor?: string): Promise<Page<JobRecord>> =>
    queryShardedPage<JobRecord>({ tableName: tableName(), index: 'status', partitionValues: allShards().map((shard) => `JOBS_OPEN#${status}#${shard}`), limit, cursor }),
};
