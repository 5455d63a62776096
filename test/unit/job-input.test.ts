import { describe, expect, it } from 'vitest';
import { JOB_TYPES, JobInputSchema, type JobRecord } from '../../packages/core/src/schemas/job.js';
import { jobInput } from '../../packages/core/src/services/job-operations.js';
import { PermanentJobError } from '../../packages/core/src/services/job-retry.js';

const record = (type: JobRecord['type'], input: Record<string, unknown>) =>
  ({ id: 'j', type, projectId: 'p', status: 'running', attempts: 1, input, createdAt: '', updatedAt: '', version: 2 }) as unknown as JobRecord;

describe('job input: one discriminated union on type', () => {
  it('knows every job type from its variants', () => {
    expect(JOB_TYPES).toEqual(['create_repository', 'create_branch', 'create_pull_request', 'merge_pull_request', 'send_notification', 'update_issue_comment', 'sync_checks', 'register_webhook']);
  });

  it('takes the type of a job recorded before input.type existed', () => {
    expect(jobInput(record('create_branch', { owner: 'acme', repo: 'shop', branch: 'b', from: 'main' }))).toEqual({
      type: 'create_branch',
      owner: 'acme',
      repo: 'shop',
      branch: 'b',
      from: 'main',
    });
  });

  it('refuses an input that does not fit its type as a permanent failure that names the field', () => {
    expect(() => jobInput(record('merge_pull_request', { owner: 'acme', repo: 'shop', prNumber: 0 }))).toThrow(PermanentJobError);
    expect(() => jobInput(record('create_pull_request', { owner: 'acme', repo: 'shop', head: 'h', base: 'main' }))).toThrow(/title/);
    expect(JobInputSchema.safeParse({ type: 'nope', owner: 'a', repo: 'b' }).success).toBe(false);
  });
});
