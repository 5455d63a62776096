import * as z from 'zod';
import { IdSchema, NON_EMPTY_PATCH_MESSAGE, PageQuerySchema, TimestampSchema, VersionSchema, nonEmptyPatch } from './common.js';

export const TASK_STATES = [
  'backlog',
  'in_progress',
  'needs_input',
  'ready_to_test',
  'approved',
  'staging',
  'production',
  'cancelled',
] as const;
export const TaskStateSchema = z.enum(TASK_STATES).describe('Task state');
export type TaskState = z.infer<typeof TaskStateSchema>;

export const PrioritySchema = z.number().int().min(0).max(100).describe('0–100, higher is picked first');

export const TaskSchema = z
  .object({
    id: IdSchema,
    projectId: IdSchema,
    title: z.string(),
    description: z.string().optional(),
    priority: PrioritySchema,
    state: TaskStateSchema,
    assignedAgentId: IdSchema.optional(),
    claimedAt: TimestampSchema.optional().describe('When the assigned agent claimed the task (or got it back): a job asked for under an earlier claim records its result but moves nothing'),
    branchName: z.string().optional(),
    prUrl: z.string().optional(),
    prNumber: z.number().int().optional(),
    question: z.string().optional().describe('What the agent asked, while the task is in needs_input'),
    lastResponse: z.string().optional().describe('The latest human answer to a question'),
    lastError: z.string().optional().describe('Why the latest Gitea job for this task failed'),
    dependsOn: z.array(IdSchema).optional().describe('Tasks of the same project that must be done (approved, staging or production) before this one can be claimed'),
    openDependencies: z.number().int().optional().describe('How many of dependsOn are not done yet; the task can be claimed only at 0'),
    parentId: IdSchema.optional().describe('The task this one is a subtask of (same project)'),
    createdBy: z.string().optional().describe('Who filed the task: `admin`, `gitea:<login>` or `agent:<id>`'),
    feedback: z
      .string()
      .optional()
      .describe('Review text for the agent: changes requested and comments people left on the pull request in Gitea, oldest first'),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema,
  })
  .meta({ id: 'Task' });
export type Task = z.infer<typeof TaskSchema>;

const title = z.string().trim().min(1).max(500);
const description = z.string().max(50_000);
/** At most 20 dependencies, no duplicates. */
const dependsOn = z
  .array(IdSchema)
  .max(20)
  .refine((ids) => new Set(ids).size === ids.length, 'dependsOn lists a task twice')
  .describe('Ids of tasks in the same project that must be done first (at most 20)');

export const TaskCreateSchema = z
  .strictObject({
    projectId: IdSchema,
    title,
    description: description.optional(),
    priority: PrioritySchema.default(50),
    dependsOn: dependsOn.optional(),
    parentId: IdSchema.optional().describe('Makes this task a subtask of that task (same project)'),
  })
  .meta({ id: 'TaskCreate' });
export type TaskCreate = z.infer<typeof TaskCreateSchema>;

export const TaskUpdateSchema = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    priority: PrioritySchema.optional(),
    state: TaskStateSchema.optional(),
    question: z.string().trim().min(1).max(10_000).optional().describe('Required when moving to needs_input'),
    feedback: z
      .string()
      .trim()
      .min(1)
      .max(10_000)
      .optional()
      .describe("Review feedback for the agent, only when sending a task back from review (state 'in_progress'); added to the task's feedback"),
    version: VersionSchema.optional(),
  })
  .refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE)
  .meta({ id: 'TaskUpdate' });
export type TaskUpdate = z.infer<typeof TaskUpdateSchema>;

export const TaskRespondSchema = z
  .strictObject({
    response: z.string().trim().min(1).max(50_000).describe('The answer to the task question'),
  })
  .meta({ id: 'TaskRespond' });
export type TaskRespond = z.infer<typeof TaskRespondSchema>;

export const TaskListQuerySchema = PageQuerySchema.extend({
  projectId: IdSchema.optional(),
  state: TaskStateSchema.optional(),
  assignedAgentId: IdSchema.optional(),
  ready: z.enum(['true']).optional().describe('Only backlog tasks that can be claimed now (every dependency done); ranked'),
  blocked: z.enum(['true']).optional().describe('Only backlog tasks waiting for a dependency; ranked'),
});
export type TaskListQuery = z.infer<typeof TaskListQuerySchema>;

export const TaskEventSchema = z
  .object({
    taskId: IdSchema,
    at: TimestampSchema,
    type: z.string(),
    from: TaskStateSchema.optional(),
    to: TaskStateSchema.optional(),
    agentId: IdSchema.optional(),
    actor: z.string().optional().describe("Who did it: 'admin', 'gitea:<login>', 'agent:<id>' or 'system'"),
    message: z.string(),
  })
  .meta({ id: 'TaskEvent' });
export type TaskEvent = z.infer<typeof TaskEventSchema>;
