import * as z from 'zod';
import { IdSchema, TimestampSchema, VersionSchema } from './common.js';
import { ProjectCreateSchema, ProjectSchema } from './project.js';

/** What a notification is about. */
export const NotificationEventSchema = z.enum(['task.needs_input', 'task.ready_to_test', 'job.failed', 'agent.lease_expired']);
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;

const repository = {
  owner: z.string().min(1).describe('Gitea owner (user or organisation)'),
  repo: z.string().min(1).describe('Gitea repository name'),
};

/**
 * What the worker needs for each kind of job: one variant per job type, told apart by `type` (the job's
 * own `type`). A new kind of job is a new variant here and a case in `performJob` (services/job-operations).
 */
export const JobInputSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('create_repository'),
      ...repository,
      defaultBranch: z.string().min(1),
      description: z.string().optional(),
    }),
    z.object({ type: z.literal('create_branch'), ...repository, branch: z.string().min(1), from: z.string().min(1) }),
    z.object({
      type: z.literal('create_pull_request'),
      ...repository,
      head: z.string().min(1),
      base: z.string().min(1),
      title: z.string().min(1),
      body: z.string().optional(),
    }),
    z.object({ type: z.literal('merge_pull_request'), ...repository, prNumber: z.number().int().min(1) }),
    z.object({
      type: z.literal('send_notification'),
      ...repository,
      event: NotificationEventSchema,
      message: z.string().max(10_000),
      taskId: z.string().optional(),
      taskTitle: z.string().optional(),
      taskState: z.string().optional(),
      agentId: z.string().optional(),
      failedJobId: z.string().optional(),
    }),
    z.object({ type: z.literal('register_webhook'), ...repository, url: z.string().url().describe("The receiver's public URL, where Gitea sends the events") }),
  ])
  .describe('What the worker needs, by job type: owner, repo, branch names, PR number…')
  .meta({ id: 'JobInput' });
export type JobInput = z.infer<typeof JobInputSchema>;
/** The input of one job type. */
export type JobInputOf<T extends JobType> = Extract<JobInput, { type: T }>;

export type JobType = JobInput['type'];
export const JOB_TYPES = JobInputSchema.options.map((option) => option.shape.type.value) as [JobType, ...JobType[]];
export const JobTypeSchema = z.enum(JOB_TYPES).describe('What the job does in Gitea');

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
    claim: z
      .object({ agentId: IdSchema, claimedAt: TimestampSchema.optional() })
      .optional()
      .describe("The task's holder when the job was asked for: the result moves the task only while that claim still holds it"),
    requestedBy: z.string().optional().describe('Who asked for it (admin, gitea:<login>, agent:<id>): the task event its result writes names them'),
    input: JobInputSchema,
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
