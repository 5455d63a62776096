import * as z from 'zod/mini';
import { IdSchema, TimestampSchema, VersionSchema, described, define } from './common.js';
import { ProjectSchema, projectCreateFields } from './project.js';

/** What a notification is about. */
export const NotificationEventSchema = /* @__PURE__ */ define(() => z.enum(['task.needs_input', 'task.ready_to_test', 'job.failed', 'agent.lease_expired', 'project.budget_reached', 'preview.leaked']));
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;

const repository = /* @__PURE__ */ define(() => ({
  owner: z.string().check(z.minLength(1), z.describe('Gitea owner (user or organisation)')),
  repo: z.string().check(z.minLength(1), z.describe('Gitea repository name')),
}));

/**
 * What the worker needs for each kind of job: one variant per job type, told apart by `type` (the job's
 * own `type`). A new kind of job is a new variant here and a case in `performJob` (services/job-operations).
 */
const text = /* @__PURE__ */ define(() => z.string().check(z.minLength(1)));
export const JobInputSchema = /* @__PURE__ */ define(() =>
  z
    .discriminatedUnion('type', [
      z.object({
        type: z.literal('create_repository'),
        ...repository,
        defaultBranch: text,
        description: z.optional(z.string()),
      }),
      z.object({ type: z.literal('create_branch'), ...repository, branch: text, from: text }),
      z.object({
        type: z.literal('create_pull_request'),
        ...repository,
        head: text,
        base: text,
        title: text,
        body: z.optional(z.string()),
      }),
      z.object({ type: z.literal('merge_pull_request'), ...repository, prNumber: z.int().check(z.gte(1)) }),
      z.object({
        type: z.literal('send_notification'),
        ...repository,
        event: NotificationEventSchema,
        message: z.string().check(z.maxLength(10_000)),
        taskId: z.optional(z.string()),
        taskTitle: z.optional(z.string()),
        taskState: z.optional(z.string()),
        agentId: z.optional(z.string()),
        failedJobId: z.optional(z.string()),
      }),
      z.object({
        type: z.literal('update_issue_comment'),
        ...repository,
        number: described(z.int().check(z.gte(1)), 'The issue the task came from'),
        taskId: described(z.string().check(z.minLength(1)), 'The task whose progress the comment shows'),
      }),
      z.object({ type: z.literal('sync_checks'), ...repository }),
      z.object({ type: z.literal('register_webhook'), ...repository, url: described(z.url(), "The receiver's public URL, where Gitea sends the events") }),
    ])
    .check(z.describe('What the worker needs, by job type: owner, repo, branch names, PR number…'), z.meta({ id: 'JobInput' })),
);
export type JobInput = z.infer<typeof JobInputSchema>;
/** The input of one job type. */
export type JobInputOf<T extends JobType> = Extract<JobInput, { type: T }>;

export type JobType = JobInput['type'];
export const JOB_TYPES = /* @__PURE__ */ define(() => JobInputSchema.def.options.map((option) => option.shape.type.def.values[0]) as [JobType, ...JobType[]]);
export const JobTypeSchema = /* @__PURE__ */ define(() => described(z.enum(JOB_TYPES), 'What the job does in Gitea'));

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const JobStatusSchema = /* @__PURE__ */ define(() =>
  described(z.enum(JOB_STATUSES), 'queued → running → succeeded | failed (a retry goes back to queued)'),
);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** A unit of Gitea work: recorded in DynamoDB, sent to SQS, run by the worker. */
export const JobSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      id: IdSchema,
      type: JobTypeSchema,
      taskId: z.optional(described(IdSchema, 'The task the job works for (none for create_repository)')),
      projectId: IdSchema,
      status: JobStatusSchema,
      attempts: z.int().check(z.gte(0), z.describe('How many times the worker has started the job')),
      claim: z.optional(
        described(
          z.object({ agentId: IdSchema, claimedAt: z.optional(TimestampSchema) }),
          "The task's holder when the job was asked for: the result moves the task only while that claim still holds it",
        ),
      ),
      requestedBy: z.optional(described(z.string(), 'Who asked for it (admin, gitea:<login>, agent:<id>): the task event its result writes names them')),
      input: JobInputSchema,
      result: z.optional(described(z.record(z.string(), z.unknown()), 'What Gitea returned: branch, PR number and URL, merge outcome…')),
      error: z.optional(described(z.string(), 'The latest failure: retried while queued, final when failed')),
      createdAt: TimestampSchema,
      updatedAt: TimestampSchema,
      version: VersionSchema,
    })
    .check(z.meta({ id: 'Job' })),
);
export type Job = z.infer<typeof JobSchema>;

/** The stored job also carries the worker's lease while it runs; the lease never leaves core. */
export interface JobRecord extends Job {
  leaseUntil?: string;
}

export const pullRequestRequestFields = /* @__PURE__ */ define(() => ({
  title: z.optional(described(z.string().check(z.trim(), z.minLength(1), z.maxLength(255)), 'Defaults to the task title')),
  body: z.optional(described(z.string().check(z.maxLength(65_000)), 'Defaults to the task description')),
}));
export const PullRequestRequestSchema = /* @__PURE__ */ define(() => z.strictObject(pullRequestRequestFields).check(z.meta({ id: 'PullRequestRequest' })));
export type PullRequestRequest = z.infer<typeof PullRequestRequestSchema>;

/** `POST /api/projects` may also ask for the Gitea repository to be created. */
export const ProjectCreateRequestSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({
      ...projectCreateFields,
      createRepository: z.optional(described(z.boolean(), 'Also create the Gitea repository (a create_repository job)')),
    })
    .check(z.meta({ id: 'ProjectCreateRequest' })),
);
export type ProjectCreateRequest = z.infer<typeof ProjectCreateRequestSchema>;

export const ProjectCreatedSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      ...ProjectSchema.shape,
      repositoryJobId: z.optional(described(IdSchema, 'The create_repository job, when one was asked for')),
      webhookJobId: z.optional(described(IdSchema, 'The register_webhook job, when webhooks are configured (AIWORKER_PUBLIC_URL and AIWORKER_WEBHOOK_SECRET)')),
    })
    .check(z.meta({ id: 'ProjectCreated' })),
);
