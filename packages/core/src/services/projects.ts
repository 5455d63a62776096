import { ConflictError, NotFoundError, VersionConflictError } from '../errors.js';
import { newId, now } from '../ids.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { PageQuery } from '../schemas/common.js';
import type { Project, ProjectCreate, ProjectUpdate } from '../schemas/project.js';
import { updateVersioned } from './optimistic.js';

export async function createProject(input: ProjectCreate): Promise<Project> {
  const at = now();
  const project: Project = { id: newId(), ...input, createdAt: at, updatedAt: at, version: 1 };
  await projectRepository.create(project);
  return project;
}

export async function getProject(id: string): Promise<Project> {
  const project = await projectRepository.get(id);
  if (!project) throw new NotFoundError('Project', id);
  return project;
}

export const listProjects = (query: PageQuery) => projectRepository.list(query.limit, query.cursor);

export function updateProject(id: string, input: ProjectUpdate): Promise<Project> {
  const { version, ...changes } = input;
  return updateVersioned<Project>({
    kind: 'Project',
    id,
    expectedVersion: version,
    load: () => projectRepository.get(id),
    change: (current) => ({ ...current, ...changes }),
    save: (next, current) => projectRepository.save(next, current),
  });
}

/** A project with tasks is kept: delete or move its tasks first. */
export async function deleteProject(id: string, expectedVersion?: number): Promise<Project> {
  const project = await getProject(id);
  if (expectedVersion !== undefined && expectedVersion !== project.version) {
    throw new VersionConflictError('Project', id, expectedVersion, project.version);
  }
  if (await taskRepository.hasAnyInProject(id)) {
    throw new ConflictError(`Project '${id}' still has tasks; delete them first`, { projectId: id });
  }
  if (!(await projectRepository.delete(project))) throw new VersionConflictError('Project', id, project.version);
  return project;
}
