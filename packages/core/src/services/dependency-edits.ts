import { ValidationError } from '../errors.js';
import { internalOf, taskPk, taskRepository, TASK_SK, withInternal, type StoredTask } from '../db/task-repository.js';
import { tableName, type TransactItem } from '../db/store.js';
import type { Task } from '../schemas/task.js';
import { MAX_DEPENDENTS, checkDependencies, isDone } from './dependencies.js';

/**
 * Editing `dependsOn` of an existing task (`PATCH /api/tasks/{id}`), with the same rules as at creation
 * (same project, at most 20, no repeats, no cancelled task) and no cycle.
 *
 * The edit is one transaction with the task (guarded by its version), so it and a dependency finishing at
 * the same moment (which updates the task guarded by the same version) are applied one after the other and
 * the count of open dependencies stays right:
 *  - an added dependency that is not done gets its edge and a version bump guarded by the version read
 *    (like a creation), so a change of it planned before the edge existed is planned again;
 *  - an added dependency that is done is counted as done, guarded by its version;
 *  - a removed dependency loses its edge; if it was still open, the task's count goes down.
 * A cycle can only come from edits (a new task has no dependents), and edits that add dependencies in one
 * project pass one guard, the project's dependency-graph version, so two edits that each look fine alone
 * cannot close a cycle together. Edits are rare (people), so this one item takes little traffic.
 */

/** Tasks the cycle check reads at most (a project's dependency graph is far smaller in practice). */
const MAX_CYCLE_SEARCH = 2_000;

export interface DependsOnEdit {
  next: StoredTask;
  extra: TransactItem[];
  /** For the edit event: what the task waits for now. */
  note: string;
}

export async function planDependsOnEdit(task: Task, ids: string[]): Promise<DependsOnEdit> {
  const before = task.dependsOn ?? [];
  const added = ids.filter((id) => !before.includes(id));
  const removed = before.filter((id) => !ids.includes(id));
  if (added.includes(task.id)) throw new ValidationError(`dependsOn cannot name the task itself (${task.id})`, { cycle: [task.id, task.id] });

  const graphVersion = added.length ? await taskRepository.dependencyGraphVersion(task.projectId) : 0;
  const addedTasks = (await checkDependencies(task.projectId, added)) as StoredTask[];
  const cycle = await findCycle(task.id, addedTasks);
  if (cycle) throw new ValidationError(`dependsOn would make a cycle: ${cycle.join(' → ')}; a task cannot wait for itself`, { cycle });

  const counted = (internalOf(task).doneDependencies ?? []).filter((id) => ids.includes(id));
  const extra: TransactItem[] = [];
  if (added.length) extra.push(taskRepository.dependencyGraphUpdate(task.projectId, graphVersion));
  for (const dependency of addedTasks) {
    if (isDone(dependency.state)) {
      counted.push(dependency.id);
      extra.push({ ConditionCheck: { TableName: tableName(), Key: { pk: taskPk(dependency.id), sk: TASK_SK }, ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': dependency.version } } });
      continue;
    }
    if ((internalOf(dependency).dependents ?? 0) >= MAX_DEPENDENTS) {
      throw new ValidationError(`Task '${dependency.id}' already has ${MAX_DEPENDENTS} dependents, the most one task may have`);
    }
    extra.push(...taskRepository.addDependentEdge(dependency, task.id));
  }
  for (const id of removed) {
    if (await taskRepository.hasDependentEdge(id, task.id)) extra.push(...taskRepository.removeDependentEdge(id, task.id));
  }

  const open = ids.filter((id) => !counted.includes(id)).length;
  const next: Task = { ...task, dependsOn: ids };
  if (!ids.length) delete next.dependsOn;
  if (open || task.openDependencies !== undefined) next.openDependencies = open;
  const note = open ? `it waits for ${open} unfinished ${open === 1 ? 'dependency' : 'dependencies'}` : task.state === 'backlog' ? 'it waits for nothing and can be claimed' : 'it waits for nothing';
  return { next: withInternal(next, { ...internalOf(task), doneDependencies: counted }), extra, note };
}

/**
 * The cycle `taskId` would be in if it depended on `added`: a path from one of them back to it along
 * `dependsOn` (read breadth-first, strongly consistent), as [taskId, …, taskId]; undefined when none.
 */
async function findCycle(taskId: string, added: Task[]): Promise<string[] | undefined> {
  const cameFrom = new Map<string, string>(added.map((task) => [task.id, taskId]));
  const pathTo = (id: string) => {
    const path = [taskId];
    for (let at: string | undefined = id; at && at !== taskId; at = cameFrom.get(at)) path.unshift(at);
    return [taskId, ...path];
  };
  let level: Task[] = added;
  while (level.length) {
    const next: string[] = [];
    for (const task of level) {
      for (const id of task.dependsOn ?? []) {
        if (id === taskId) return pathTo(task.id);
        if (cameFrom.has(id)) continue;
        cameFrom.set(id, task.id);
        next.push(id);
      }
    }
    if (cameFrom.size > MAX_CYCLE_SEARCH) {
      throw new ValidationError(`dependsOn reaches more than ${MAX_CYCLE_SEARCH} tasks through their own dependencies; aiworker cannot check it for cycles`);
    }
    level = (await Promise.all(next.map((id) => taskRepository.get(id)))).filter((task): task is StoredTask => task !== undefined);
  }
  return undefined;
}
