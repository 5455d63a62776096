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

export const ProjectSchema = z
  .object({
    id: IdSchema,
    ...projectFields,
    defaultBranch: projectFields.defaultBranch,
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
    version: VersionSchema.optional(),
  })
  .refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE)
  .meta({ id: 'ProjectUpdate' });
export type ProjectUpdate = z.infer<typeof ProjectUpdateSchema>;
