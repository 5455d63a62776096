import * as z from 'zod/mini';
import { TimestampSchema, described, define } from './common.js';

/**
 * CI on a task's pull request (docs/ci.md): the combined commit status of its head, the preview the
 * project's preview context reports, and the project settings that decide what CI does to a task.
 */
export const COMMIT_STATES = ['pending', 'success', 'error', 'failure', 'warning'] as const;
export const CommitStateSchema = /* @__PURE__ */ define(() => described(z.enum(COMMIT_STATES), "A Gitea commit status state"));
export type CommitState = z.infer<typeof CommitStateSchema>;

export const CheckContextSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      context: z.string(),
      state: CommitStateSchema,
      description: z.string(),
      targetUrl: z.optional(described(z.string(), 'The http(s) link the status gives (CI run, preview)')),
      id: described(z.int(), "The status's id in Gitea (orders statuses of one context)"),
      updatedAt: TimestampSchema,
      source: z.optional(described(z.enum(['webhook', 'api']), 'Where aiworker learnt it: the status webhook or the combined status')),
    })
    .check(z.meta({ id: 'CheckContext' })),
);
export type CheckContext = z.infer<typeof CheckContextSchema>;

export const ChecksSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      sha: described(z.string(), 'The pull request head these statuses are for'),
      state: described(z.optional(CommitStateSchema), 'Combined: the worst of the newest status of each context (error < failure < warning < pending < success); absent before any status'),
      contexts: z.array(CheckContextSchema),
      rounds: described(z.int(), 'How many times failing CI sent the task back to its agent (at most the project\'s ciRounds)'),
      sentBackFor: z.optional(described(z.string(), 'The head whose failure sent the task back (or used up the rounds): each head counts once')),
      waiting: z.optional(described(z.string(), 'Set when CI failed and the automatic rounds are used up: the task waits for a person')),
    })
    .check(z.meta({ id: 'Checks', description: "The combined commit status of the task's pull request head (docs/ci.md)" })),
);
export type Checks = z.infer<typeof ChecksSchema>;

export const PREVIEW_STATES = [...COMMIT_STATES, 'removed'] as const;
export const PreviewSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      url: z.optional(described(z.string(), 'Where the preview is (the target_url of the preview status)')),
      state: described(z.enum(PREVIEW_STATES), "The preview status's state, or `removed` once it said the stage was torn down (description starting with 'removed')"),
      sha: z.string(),
      closedSeenAt: z.optional(described(TimestampSchema, 'When aiworker first saw the pull request closed or merged while the preview was still up')),
      leakReportedAt: z.optional(described(TimestampSchema, 'When aiworker notified that the preview outlived its pull request')),
    })
    .check(z.meta({ id: 'Preview', description: "The preview environment, once the project's previewContext status has reported (docs/previews.md)" })),
);
export type Preview = z.infer<typeof PreviewSchema>;

/** Fields of a task (schemas/task.ts). */
export const ciTaskFields = /* @__PURE__ */ define(() => ({
  checks: z.optional(ChecksSchema),
  preview: z.optional(PreviewSchema),
}));

const ciRounds = /* @__PURE__ */ define(() => z.int().check(z.gte(0), z.lte(20), z.describe('How many times failing CI sends a task in review back to its agent before it waits for a person (default 3)')));
const autoMerge = /* @__PURE__ */ define(() => z.boolean().check(z.describe('Merge a task whose review is approved and whose CI is green (default false)')));
const previewContext = /* @__PURE__ */ define(() =>
  z.string().check(z.trim(), z.minLength(1), z.maxLength(255), z.describe('The commit status context that carries the preview link (unset: no preview)')),
);

/** Fields of a project as shown (schemas/project.ts). */
export const ciProjectFields = /* @__PURE__ */ define(() => ({ ciRounds: z.optional(ciRounds), autoMerge: z.optional(autoMerge), previewContext: z.optional(previewContext) }));
/** POST /api/projects. */
export const ciProjectCreateFields = /* @__PURE__ */ define(() => ({ ciRounds: z.optional(ciRounds), autoMerge: z.optional(autoMerge), previewContext: z.optional(previewContext) }));
/** PATCH /api/projects/{id}: null turns the preview off. */
export const ciProjectUpdateFields = /* @__PURE__ */ define(() => ({
  ciRounds: z.optional(ciRounds),
  autoMerge: z.optional(autoMerge),
  previewContext: z.optional(described(z.nullable(previewContext), 'null: no preview')),
}));

export const DEFAULT_CI_ROUNDS = 3;

/** The `status` webhook payload (CommitStatusPayload, modules/structs/hook.go): the parts aiworker reads. */
const upTo = (max: number) => z.string().check(z.maxLength(max));
export const CommitStatusPayloadSchema = /* @__PURE__ */ define(() =>
  z.looseObject({
    id: z.int().check(z.positive()),
    sha: z.string().check(z.regex(/^[0-9a-f]{7,64}$/i, 'must be a commit sha')),
    state: z.enum(COMMIT_STATES),
    context: upTo(255),
    description: z.nullish(upTo(100_000)),
    target_url: z.nullish(upTo(100_000)),
    created_at: z.nullish(upTo(64)),
    updated_at: z.nullish(upTo(64)),
    repository: z.looseObject({ name: z.string().check(z.minLength(1), z.maxLength(255)), owner: z.looseObject({ login: z.string().check(z.minLength(1), z.maxLength(255)) }) }),
  }),
);
export type CommitStatusPayload = z.infer<typeof CommitStatusPayloadSchema>;
