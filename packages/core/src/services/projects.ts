import { ConflictError, NotFoundError, VersionConflictError } from '../errors.js';
import { newId, now } from '../ids.js';
import { projectRepository, publicProject, type ProjectRecord } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { PageQuery } from '../schemas/common.js';
import type { Project, ProjectCreate, ProjectUpdate } from '../schemas/project.js';
import { updateVersioned } from './optimistic.js';
import { AGAIN, retry } from '../db/retry.js';
import { clockMs } from '../clock.js';

export async function createProject(input: ProjectCreate): Promise<Project> {
  const at = now();
  const project: ProjectRecord = { id: newId(), ...input, createdAt: at, updatedAt: at, version: 1 };
  if (project.notifyUrl && !project.notifyFormat) project.notifyFormat = 'json';
  await projectRepository.save(project, undefined);
  return publicProject(project);
}

async function getProjectRecord(id: string): Promise<ProjectRecord> {
  const project = await projectRepository.get(id);
  if (!project) throw new NotFoundError('Project', id);
  return project;
}

export const getProject = async (id: string): Promise<Project> => publicProject(await getProjectRecord(id));

/**
 * Projects as this instance recently read them, for claims: a claim answers with the task's project (Gitea
 * owner, repo, branch) and checks its budget, and a fleet claims in a handful of projects, so a copy saves
 * a read per claim. A project with tasks cannot be deleted, so a claimable task's project exists; an edit
 * made in this process drops the copy at once, one made elsewhere (another Lambda instance) is seen within
 * PROJECT_FRESH_MS.
 */
const PROJECT_FRESH_MS = 30_000;
const recent = new Map<string, { at: number; project: Promise<Project> }>();
export function recentProject(id: string): Promise<Project> {
  const copy = recent.get(id);
  if (copy && clockMs() - copy.at < PROJECT_FRESH_MS) return copy.project;
  const project = getProject(id);
  recent.set(id, { at: clockMs(), project });
  project.catch(() => recent.delete(id));
  return project;
}

export const listProjects = (query: PageQuery) => projectRepository.list(query.limit, query.cursor);

export function updateProject(id: string, input: ProjectUpdate): Promise<Project> {
  const { version, ...changes } = input;
  return updateVersioned<ProjectRecord, Project>({
    kind: 'Project',
    id,
    expectedVersion: version,
    load: () => projectRepository.get(id),
    change: (current) => withoutNulls({ ...current, ...changes }),
    // The copy dropped once the edit is written (a claim reading meanwhile may still get the old one).
    save: (next, current) => projectRepository.save(next, current.version, current).finally(() => recent.delete(id)),
    result: publicProject,
  });
}

/** `null` in a PATCH removes the field (notifyUrl, notifySecret). */
function withoutNulls(project: Record<string, unknown>): ProjectRecord {
  const next = Object.fromEntries(Object.entries(project).filter(([, value]) => value !== null)) as unknown as ProjectRecord;
  if (next.notifyUrl && !next.notifyFormat) next.notifyFormat = 'json';
  if (!next.notifyUrl) delete next.notifyFormat;
  return next;
}

const hasTasks = async (project: ProjectRecord) => (project.taskCount ?? 0) > 0 || (await taskRepository.hasAnyInProject(project.id));

/**
 * A project with tasks is kept: delete or move its tasks first. The delete is conditional on the project's
 * task count being zero, so a task created at the same moment either lands first (the delete is refused)
 * or is refused itself (project not found): never a task without a project.
 */
export async function deleteProject(id: string, expectedVersion?: number): Promise<Project> {
  const giveUp = () => new ConflictError(`Project '${id}' kept changing while it was being deleted; try again`, { projectId: id });
  return retry({ attempts: 20, giveUp, backoffMs: () => 0 }, async () => {
    const project = await getProjectRecord(id);
    if (expectedVersion !== undefined && expectedVersion !== project.version) {
      throw new VersionConflictError('Project', id, expectedVersion, project.version);
    }
    if (await hasTasks(project)) throw new ConflictError(`Project '${id}' still has tasks; delete them first`, { projectId: id });
    // Changed or given a task meanwhile: look again (a version the caller sent is checked again above).
    if (!(await projectRepository.delete(project, project.version))) return AGAIN;
    recent.delete(id);
    return publicProject(project);
  });
}
