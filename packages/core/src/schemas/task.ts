import * as z from 'zod/mini';
import { IdSchema, NON_EMPTY_PATCH_MESSAGE, TimestampSchema, VersionSchema, described, nonEmptyPatch, pageQueryFields, define } from './common.js';
import { StopRecordSchema, UsageSchema } from './run.js';
import { ciTaskFields } from './ci.js';

export const TASK_STATES = ['backlog', 'in_progress', 'needs_input', 'ready_to_test', 'approved', 'staging', 'production', 'cancelled'] as const;
export const TaskStateSchema = /* @__PURE__ */ define(() => described(z.enum(TASK_STATES), 'Task state'));
export type TaskState = z.infer<typeof TaskStateSchema>;

export const PrioritySchema = /* @__PURE__ */ define(() => z.int().check(z.gte(0), z.lte(100), z.describe('0–100, higher is picked first')));

const optionalString = (description?: string) => z.optional(description ? described(z.string(), description) : z.string());

export const TaskSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      id: IdSchema,
      projectId: IdSchema,
      title: z.string(),
      description: optionalString(),
      priority: PrioritySchema,
      state: TaskStateSchema,
      assignedAgentId: z.optional(IdSchema),
      claimedAt: z.optional(
        described(
          TimestampSchema,
          'When the assigned agent claimed the task (or got it back): a job asked for under an earlier claim records its result but moves nothing',
        ),
      ),
      branchName: optionalString(),
      prUrl: optionalString(),
      prNumber: z.optional(z.int()),
      question: optionalString('What the agent asked, while the task is in needs_input'),
      lastResponse: optionalString('The latest human answer to a question'),
      lastError: optionalString('Why the latest Gitea job for this task failed'),
      failedJob: z.optional(
        described(
          z.object({ id: IdSchema, type: z.string() }),
          'The Gitea job lastError is about; POST /api/tasks/{id}/branch, /pull-request or /merge asks for a create_branch, create_pull_request or merge_pull_request job again',
        ),
      ),
      dependsOn: z.optional(
        described(z.array(IdSchema), 'Tasks of the same project that must be done (approved, staging or production) before this one can be claimed'),
      ),
      openDependencies: z.optional(described(z.int(), 'How many of dependsOn are not done yet; the task can be claimed only at 0')),
      parentId: z.optional(described(IdSchema, 'The task this one is a subtask of (same project)')),
      createdBy: optionalString('Who filed the task: `admin`, `gitea:<login>` or `agent:<id>`'),
      feedback: optionalString('Review text for the agent: changes requested and comments people left on the pull request in Gitea, oldest first'),
      usage: described(z.optional(UsageSchema), 'What the runs of the coding command took and cost, summed over its attempts'),
      held: optionalString('Why this backlog task waits for a person (the runner gave it back, or a person stopped it): no agent claims it until someone retries it (POST /api/tasks/{id}/retry)'),
      issue: z.optional(
        described(z.object({ number: z.int(), url: z.string() }), 'The Gitea issue the task came from (docs/issues.md): its number and link'),
      ),
      ...ciTaskFields,
      stopped: z.optional(described(StopRecordSchema, 'Who stopped the task last, when, and which agent was working on it')),
      createdAt: TimestampSchema,
      updatedAt: TimestampSchema,
      version: VersionSchema,
    })
    .check(z.meta({ id: 'Task' })),
);
export type Task = z.infer<typeof TaskSchema>;

const trimmed = (min: number, max: number) => z.string().check(z.trim(), z.minLength(min), z.maxLength(max));
const title = /* @__PURE__ */ define(() => trimmed(1, 500));
const description = /* @__PURE__ */ define(() => z.string().check(z.maxLength(50_000)));
/** At most 20 dependencies, no duplicates. */
const dependsOn = /* @__PURE__ */ define(() =>
  z.array(IdSchema).check(
    z.maxLength(20),
    z.refine((ids) => new Set(ids).size === ids.length, 'dependsOn lists a task twice'),
    z.describe('Ids of tasks in the same project that must be done first (at most 20)'),
  ),
);

export const taskCreateFields = /* @__PURE__ */ define(() => ({
  projectId: IdSchema,
  title,
  description: z.optional(description),
  priority: z._default(PrioritySchema, 50),
  dependsOn: z.optional(dependsOn),
  parentId: z.optional(described(IdSchema, 'Makes this task a subtask of that task (same project)')),
}));
export const TaskCreateSchema = /* @__PURE__ */ define(() => z.strictObject(taskCreateFields).check(z.meta({ id: 'TaskCreate' })));
export type TaskCreate = z.infer<typeof TaskCreateSchema>;

export const TaskUpdateSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({
      title: z.optional(title),
      description: z.optional(description),
      priority: z.optional(PrioritySchema),
      dependsOn: z.optional(
        described(
          dependsOn,
          'Replaces the tasks this one waits for (same project, at most 20, no cycle); [] waits for none. Dependencies already done stay counted',
        ),
      ),
      state: z.optional(TaskStateSchema),
      question: z.optional(described(trimmed(1, 10_000), 'Required when moving to needs_input')),
      feedback: z.optional(
        described(
          trimmed(1, 10_000),
          "Review feedback for the agent, only when sending a task back from review (state 'in_progress'); added to the task's feedback",
        ),
      ),
      version: z.optional(VersionSchema),
    })
    .check(z.refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE), z.meta({ id: 'TaskUpdate' })),
);
export type TaskUpdate = z.infer<typeof TaskUpdateSchema>;

export const TaskRespondSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({
      response: described(trimmed(1, 50_000), 'The answer to the task question'),
    })
    .check(z.meta({ id: 'TaskRespond' })),
);
export type TaskRespond = z.infer<typeof TaskRespondSchema>;

export const TaskListQuerySchema = /* @__PURE__ */ define(() =>
  z.strictObject({
    ...pageQueryFields,
    projectId: z.optional(IdSchema),
    state: z.optional(TaskStateSchema),
    assignedAgentId: z.optional(IdSchema),
    ready: z.optional(described(z.enum(['true']), 'Only backlog tasks that can be claimed now (every dependency done); ranked')),
    blocked: z.optional(described(z.enum(['true']), 'Only backlog tasks waiting for a dependency; ranked')),
  }),
);
export type TaskListQuery = z.infer<typeof TaskListQuerySchema>;

export const TaskEventSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      taskId: IdSchema,
      at: TimestampSchema,
      type: z.string(),
      from: z.optional(TaskStateSchema),
      to: z.optional(TaskStateSchema),
      agentId: z.optional(IdSchema),
      actor: optionalString("Who did it: 'admin', 'gitea:<login>', 'agent:<id>' or 'system'"),
      question: optionalString('What the agent asked, on the event that moved the task to needs_input (kept after the answer)'),
      message: z.string(),
    })
    .check(z.meta({ id: 'TaskEvent' })),
);
export type TaskEvent = z.infer<typeof TaskEventSchema>;
