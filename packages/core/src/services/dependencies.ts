import { ValidationError } from '../errors.js';
import { now } from '../ids.js';
import { backlogPk, indexKeys, projectBacklogPk, shardOf } from '../db/keys.js';
import { dependentSk, internalOf, taskPk, taskRepository, TASK_SK } from '../db/task-repository.js';
import { tableName, type TransactItem } from '../db/store.js';
import type { Task, TaskState } from '../schemas/task.js';
import { releaseWrites } from './dependency-release.js';

/**
 * Task dependencies. A task lists the tasks of its project that must be done first (`dependsOn`, set when
 * it is created) and counts those not done yet (`openDependencies`); while the count is above zero it is
 * `BLOCKED` in the backlog indexes and no claim can take it (the claim's condition checks the count).
 *
 * Each open dependency D gets an edge item `pk=TASK#D, sk=DEPENDENT#<task>`. The change that moves D to a
 * done state (approved, staging, production) carries, in its own transaction, one conditional update per
 * dependent: the count goes down by one, D is remembered as counted (so D finishing twice counts once),
 * and the task that reaches zero moves to `READY` with a `ready` event — no polling, and no moment in
 * which D is done but its dependents do not know. Two dependencies finishing at once both guard the
 * dependent by its version: one wins, the other is retried on fresh data.
 *
 * A task created with a dependency that is not done bumps that dependency's version in the creating
 * transaction, so a change of D planned before the edge existed fails its version guard and is planned
 * again with the edge. A new task cannot be anyone's dependency yet, so creating one forms no cycle;
 * editing `dependsOn` later checks for cycles (dependency-edits.ts). A dependency cancelled or deleted
 * releases the tasks waiting for it (dependency-release.ts).
 */
export const DONE_STATES: readonly TaskState[] = ['approved', 'staging', 'production'];
export const isDone = (state: TaskState) => DONE_STATES.includes(state);

/** Dependents one task may have: each is an update in the transaction that finishes it. */
export const MAX_DEPENDENTS = 40;

export interface DependencyPlan {
  openDependencies: number;
  doneDependencies: string[];
  items: TransactItem[];
}

/**
 * Reads the tasks `ids` names as dependencies of a task of `projectId`: each must exist, be of that project
 * and not be cancelled (a cancelled task releases those waiting for it, so none may start waiting).
 */
export async function checkDependencies(projectId: string, ids: string[]): Promise<Task[]> {
  const dependencies = await Promise.all(ids.map((id) => taskRepository.get(id)));
  const unknown = ids.filter((_, index) => !dependencies[index]);
  if (unknown.length) throw new ValidationError(`dependsOn names tasks that do not exist: ${unknown.join(', ')}`, { unknown });
  const found = dependencies as Task[];
  const elsewhere = found.filter((dependency) => dependency.projectId !== projectId).map((dependency) => dependency.id);
  if (elsewhere.length) throw new ValidationError(`dependsOn names tasks of another project: ${elsewhere.join(', ')}; a task depends only on tasks of its own project`, { elsewhere });
  const cancelled = found.filter((dependency) => dependency.state === 'cancelled').map((dependency) => dependency.id);
  if (cancelled.length) throw new ValidationError(`dependsOn names cancelled tasks: ${cancelled.join(', ')}; reopen them first or leave them out`, { cancelled });
  return found;
}

/** Checks `dependsOn` and `parentId` of a new task and plans the writes that go with its creation. */
export async function planDependencies(task: Pick<Task, 'id' | 'projectId' | 'dependsOn' | 'parentId'>): Promise<DependencyPlan> {
  const ids = task.dependsOn ?? [];
  const [dependencies, parent] = await Promise.all([checkDependencies(task.projectId, ids), task.parentId ? taskRepository.get(task.parentId) : undefined]);
  if (task.parentId && !parent) throw new ValidationError(`parentId names a task that does not exist: ${task.parentId}`);
  if (parent && parent.projectId !== task.projectId) throw new ValidationError(`parentId names a task of another project: ${parent.id}; a subtask belongs to its parent's project`);

  const open = dependencies.filter((dependency) => !isDone(dependency.state));
  const items: TransactItem[] = open.flatMap((dependency) => [
    {
      Update: {
        TableName: tableName(),
        Key: { pk: taskPk(dependency.id), sk: TASK_SK },
        UpdateExpression: 'SET version = version + :one, dependents = if_not_exists(dependents, :zero) + :one',
        ConditionExpression: 'version = :version AND (attribute_not_exists(dependents) OR dependents < :max)',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':version': dependency.version, ':max': MAX_DEPENDENTS },
      },
    },
    { Put: { TableName: tableName(), Item: { pk: taskPk(dependency.id), sk: dependentSk(task.id), dependentId: task.id } } },
  ]);
  return { openDependencies: open.length, doneDependencies: dependencies.filter((dependency) => isDone(dependency.state)).map((dependency) => dependency.id), items };
}

/** Says which dependency refused a new dependent (its version moved, or it has too many), after a failed creation. */
export async function explainDependencyFailure(ids: string[]): Promise<never> {
  for (const id of ids) {
    const dependency = await taskRepository.get(id);
    if ((internalOf(dependency ?? ({} as Task)).dependents ?? 0) >= MAX_DEPENDENTS) {
      throw new ValidationError(`Task '${id}' already has ${MAX_DEPENDENTS} dependents, the most one task may have`);
    }
  }
  throw new RetryCreation();
}

/** A dependency changed while the task was being created: plan again. */
export class RetryCreation extends Error {}

/**
 * When `task` becomes done (`next`), the updates of its dependents that go in the same transaction: the
 * count of each goes down, and the one reaching zero in backlog becomes claimable with a `ready` event.
 * When it is cancelled before it was done, its dependents are released (see dependency-release.ts).
 * A dependent that no longer lists it (its dependsOn was edited, or it was released) is left alone.
 */
export async function dependentUpdates(task: Task, next: Task, actor?: string): Promise<TransactItem[]> {
  const cancelled = next.state === 'cancelled' && task.state !== 'cancelled' && !isDone(task.state);
  if (!cancelled && (isDone(task.state) || !isDone(next.state))) return [];
  const ids = await taskRepository.dependents(task.id);
  const dependents = await Promise.all(ids.map((id) => taskRepository.get(id)));
  if (cancelled) return dependents.flatMap((dependent) => (dependent ? releaseWrites(dependent, next, 'cancelled', actor) : []));
  const at = now();
  const backlog = indexKeys('backlog');
  const projectBacklog = indexKeys('projectBacklog');
  return dependents.flatMap((dependent): TransactItem[] => {
    if (!dependent?.dependsOn?.includes(task.id)) return [];
    const counted = internalOf(dependent).doneDependencies ?? [];
    if (counted.includes(task.id)) return [];
    const open = Math.max(0, (dependent.openDependencies ?? 0) - 1);
    const ready = open === 0 && dependent.state === 'backlog' && !dependent.held;
    const update: TransactItem = {
      Update: {
        TableName: tableName(),
        Key: { pk: taskPk(dependent.id), sk: TASK_SK },
        UpdateExpression:
          'SET openDependencies = :open, doneDependencies = list_append(if_not_exists(doneDependencies, :none), :done), version = version + :one, updatedAt = :at' +
          (ready ? ', #backlogPk = :ready, #projectBacklogPk = :projectReady' : ''),
        ConditionExpression: 'version = :version',
        ...(ready ? { ExpressionAttributeNames: { '#backlogPk': backlog.partitionKey, '#projectBacklogPk': projectBacklog.partitionKey } } : {}),
        ExpressionAttributeValues: {
          ':open': open,
          ':none': [],
          ':done': [task.id],
          ':one': 1,
          ':at': at,
          ':version': dependent.version,
          ...(ready ? { ':ready': backlogPk('READY', shardOf(dependent.id)), ':projectReady': projectBacklogPk('READY', dependent.projectId) } : {}),
        },
      },
    };
    if (!ready) return [update];
    return [
      update,
      taskRepository.eventPut({
        taskId: dependent.id,
        at,
        type: 'ready',
        actor: 'system',
        message: `Its last open dependency, task ${task.id}, reached ${next.state}: the task can be claimed now`,
      }),
    ];
  });
}
