import * as z from 'zod';
import { IdSchema, TimestampSchema, VersionSchema } from './common.js';
import { ProjectCreateSchema, ProjectSchema } from './project.js';

export const JOB_TYPES = ['create_repository', 'create_branch', 'create_pull_request', 'merge_pull_request', 'register_webhook'] as const;
export const JobTypeSchema = z.enum(JOB_TYPES).describe('What the job does in Gitea');
export type JobType = z.infer<typeof JobTypeSchema>;

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES).describe('queued → running → succeeded | failed (a retry goes back to queued)');
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** A unit of Gitea work: recorded in DynamoDB, sent to SQS, run by the worker. */
export const JobSchema = z
  .object({
    id: IdSchema,
    type: JobTypeSchema,
    taskId: IdSchema.optional().describe('The task the job works for (none for create_repository)'),
    projectId: IdSchema,
    status: JobStatusSchema,
    attempts: z.number().int().min(0).describe('How many times the worker has started the job'),
    input: z.record(z.string(), z.unknown()).describe('What the worker needs: owner, repo, branch names, PR number…'),
    result: z.record(z.string(), z.unknown()).optional().describe('What Gitea returned: branch, PR number and URL, merge outcome…'),
    error: z.string().optional().describe('The latest failure: retried while queued, final when failed'),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema,
  })
  .meta({ id: 'Job' });
export type Job = z.infer<typeof JobSchema>;

/** The stored job also carries the worker's lease while it runs; the lease never leaves core. */
export interface JobRecord extends Job {
  leaseUntil?: string;
}

export const PullRequestRequestSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(255).optional().describe('Defaults to the task title'),
    body: z.string().max(65_000).optional().describe('Defaults to the task description'),
  })
  .meta({ id: 'PullRequestRequest' });
export type PullRequestRequest = z.infer<typeof PullRequestRequestSchema>;

/** `POST /api/projects` may also ask for the Gitea repository to be created. */
export const ProjectCreateRequestSchema = ProjectCreateSchema.extend({
  createRepository: z.boolean().optional().describe('Also create the Gitea repository (a create_repository job)'),
}).meta({ id: 'ProjectCreateRequest' });
export type ProjectCreateRequest = z.infer<typeof ProjectCreateRequestSchema>;

export const ProjectCreatedSchema = ProjectSchema.extend({
  repositoryJobId: IdSchema.optional().describe('The create_repository job, when one was asked for'),
  webhookJobId: IdSchema.optional().describe('The register_webhook job, when webhooks are configured (AIWORKER_PUBLIC_URL and AIWORKER_WEBHOOK_SECRET)'),
}).meta({ id: 'ProjectCreated' });
