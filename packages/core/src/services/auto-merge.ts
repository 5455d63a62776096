import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { Job } from '../schemas/job.js';
import { requestMerge } from './jobs.js';

/**
 * A project with `autoMerge` merges a task whose review is approved and whose CI is green (the combined
 * status of its pull request's head is success), by the same merge_pull_request job a person asks for.
 * Called when either half arrives (an approval, a status); asking twice returns the one job.
 */
export async function maybeAutoMerge(taskId: string): Promise<Job | undefined> {
  const task = await taskRepository.get(taskId);
  if (!task || task.state !== 'approved' || task.checks?.state !== 'success' || task.prNumber === undefined) return undefined;
  const project = await projectRepository.get(task.projectId);
  if (!project?.autoMerge) return undefined;
  return requestMerge(task.id, 'system:auto-merge');
}
