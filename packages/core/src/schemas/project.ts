import * as z from 'zod/mini';
import { BranchNameSchema, GiteaOwnerSchema, GiteaRepoSchema } from './names.js';
import { BudgetSchema, UsageSchema } from './run.js';
import { ciProjectCreateFields, ciProjectFields, ciProjectUpdateFields } from './ci.js';
import { IdSchema, NON_EMPTY_PATCH_MESSAGE, TimestampSchema, VersionSchema, described, nonEmptyPatch, define } from './common.js';

const projectFields = /* @__PURE__ */ define(() => ({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200), z.describe('Display name')),
  description: z.optional(z.string().check(z.maxLength(10_000))),
  giteaOwner: described(GiteaOwnerSchema, 'Gitea user or organisation that owns the repository'),
  giteaRepo: described(GiteaRepoSchema, 'Gitea repository name'),
  defaultBranch: described(BranchNameSchema, 'Branch pull requests target'),
}));

/**
 * Notifications out (optional): aiworker POSTs to `notifyUrl` when a task enters needs_input or
 * ready_to_test, a job fails for good, or an agent's lease expires. `json`: a signed JSON body
 * (X-Aiworker-Signature: sha256=HMAC of the body with `notifySecret`); `slack`: Slack's incoming-webhook
 * body (`{"text": …}`). The secret is write-only: never shown, never logged.
 */
export const NotifyFormatSchema = /* @__PURE__ */ define(() => described(z.enum(['json', 'slack']), 'json: signed JSON; slack: a Slack incoming webhook'));
const notifyUrl = /* @__PURE__ */ define(() =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .check(z.maxLength(2048), z.describe('Where notifications are POSTed (a Slack incoming-webhook URL for format slack)')),
);
const notifySecret = /* @__PURE__ */ define(() =>
  z.string().check(z.minLength(16), z.maxLength(200), z.describe('Signs json notifications (X-Aiworker-Signature); write-only')),
);

/** The Gitea label that makes an issue a task (issue-sync.ts); Gitea's label names are at most 50 characters. */
const issueLabel = /* @__PURE__ */ define(() =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(50),
      z.regex(/^[^,\s](?:[^,]*[^,\s])?$/, 'must not contain a comma (Gitea lists labels comma-separated)'),
      z.describe('Issues in the repository with this Gitea label become tasks (docs/issues.md); unset: off'),
    ),
);

export const ProjectSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      id: IdSchema,
      ...projectFields,
      defaultBranch: projectFields.defaultBranch,
      notifyUrl: z.optional(z.string()),
      notifyFormat: z.optional(NotifyFormatSchema),
      budget: z.optional(BudgetSchema),
      issueLabel: z.optional(z.string()),
      ...ciProjectFields,
      usage: described(z.optional(UsageSchema), "Totals over every task's reported attempts"),
      createdAt: TimestampSchema,
      updatedAt: TimestampSchema,
      version: VersionSchema,
    })
    .check(z.meta({ id: 'Project' })),
);
export type Project = z.infer<typeof ProjectSchema>;

export const projectCreateFields = /* @__PURE__ */ define(() => ({
  ...projectFields,
  defaultBranch: z._default(projectFields.defaultBranch, 'main'),
  notifyUrl: z.optional(notifyUrl),
  notifyFormat: z.optional(NotifyFormatSchema),
  notifySecret: z.optional(notifySecret),
  issueLabel: z.optional(issueLabel),
  ...ciProjectCreateFields,
}));
export const ProjectCreateSchema = /* @__PURE__ */ define(() => z.strictObject(projectCreateFields).check(z.meta({ id: 'ProjectCreate' })));
export type ProjectCreate = z.infer<typeof ProjectCreateSchema>;

export const ProjectUpdateSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({
      name: z.optional(projectFields.name),
      description: projectFields.description,
      giteaOwner: z.optional(projectFields.giteaOwner),
      giteaRepo: z.optional(projectFields.giteaRepo),
      defaultBranch: z.optional(projectFields.defaultBranch),
      notifyUrl: z.optional(described(z.nullable(notifyUrl), 'null turns notifications off')),
      notifyFormat: z.optional(NotifyFormatSchema),
      notifySecret: z.optional(z.nullable(notifySecret)),
      budget: z.optional(described(z.nullable(BudgetSchema), 'null removes the budget')),
      issueLabel: z.optional(described(z.nullable(issueLabel), 'null turns issues-to-tasks off')),
      ...ciProjectUpdateFields,
      version: z.optional(VersionSchema),
    })
    .check(z.refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE), z.meta({ id: 'ProjectUpdate' })),
);
export type ProjectUpdate = z.infer<typeof ProjectUpdateSchema>;
