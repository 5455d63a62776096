import * as z from 'zod';
import { BranchNameSchema, GiteaOwnerSchema, GiteaRepoSchema } from './names.js';
import { IdSchema, NON_EMPTY_PATCH_MESSAGE, TimestampSchema, VersionSchema, nonEmptyPatch } from './common.js';

const projectFields = {
  name: z.string().trim().min(1).max(200).describe('Display name'),
  description: z.string().max(10_000).optional(),
  giteaOwner: GiteaOwnerSchema.describe('Gitea user or organisation that owns the repository'),
  giteaRepo: GiteaRepoSchema.describe('Gitea repository name'),
  defaultBranch: BranchNameSchema.describe('Branch pull requests target'),
};

/**
 * Notifications out (optional): aiworker POSTs to `notifyUrl` when a task enters needs_input or
 * ready_to_test, a job fails for good, or an agent's lease expires. `json`: a signed JSON body
 * (X-Aiworker-Signature: sha256=HMAC of the body with `notifySecret`); `slack`: Slack's incoming-webhook
 * body (`{"text": …}`). The secret is write-only: never shown, never logged.
 */
export const NotifyFormatSchema = z.enum(['json', 'slack']).describe('json: signed JSON; slack: a Slack incoming webhook');
const notifyUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .describe('Where notifications are POSTed (a Slack incoming-webhook URL for format slack)');
const notifySecret = z.string().min(16).max(200).describe('Signs json notifications (X-Aiworker-Signature); write-only');

export const ProjectSchema = z
  .object({
    id: IdSchema,
    ...projectFields,
    defaultBranch: projectFields.defaultBranch,
    notifyUrl: z.string().optional(),
    notifyFormat: NotifyFormatSchema.optional(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema,
  })
  .meta({ id: 'Project' });
export type Project = z.infer<typeof ProjectSchema>;

export const ProjectCreateSchema = z
  .strictObject({
    ...projectFields,
    defaultBranch: projectFields.defaultBranch.default('main'),
    notifyUrl: notifyUrl.optional(),
    notifyFormat: NotifyFormatSchema.optional(),
    notifySecret: notifySecret.optional(),
  })
  .meta({ id: 'ProjectCreate' });
export type ProjectCreate = z.infer<typeof ProjectCreateSchema>;

export const ProjectUpdateSchema = z
  .strictObject({
    name: projectFields.name.optional(),
    description: projectFields.description,
    giteaOwner: projectFields.giteaOwner.optional(),
    giteaRepo: projectFields.giteaRepo.optional(),
    defaultBranch: projectFields.defaultBranch.optional(),
    notifyUrl: notifyUrl.nullable().optional().describe('null turns notifications off'),
    notifyFormat: NotifyFormatSchema.optional(),
    notifySecret: notifySecret.nullable().optional(),
    version: VersionSchema.optional(),
  })
  .refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE)
  .meta({ id: 'ProjectUpdate' });
export type ProjectUpdate = z.infer<typeof ProjectUpdateSchema>;
