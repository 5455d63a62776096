import { now } from '../ids.js';
import { internalOf, taskRepository, withInternal, type StoredTask } from '../db/task-repository.js';
import { isTransactionConflict, transact, type TransactItem } from '../db/store.js';
import { AGAIN, retry } from '../db/retry.js';
import type { Task } from '../schemas/task.js';
import { ActorName } from './actor-names.js';
import { ConflictError } from '../errors.js';

/**
 * A task that is cancelled or deleted releases the tasks that wait for it: it leaves their `dependsOn`,
 * and when it was still open for them their count of open dependencies goes down (at zero, a backlog task
 * can be claimed). A deleted task also stops being the parent of its subtasks (`parentId` cleared).
 * Each released task gets a `dependency_released` event saying so. Released is final: a cancelled task
 * reopened later is not waited for again (it is no longer in their `dependsOn`).
 */

export type Release = 'cancelled' | 'deleted';

/**
 * The writes that release `dependent` from `gone` (the dependent read with its text and internal state,
 * guarded by its version); none when it neither waits for `gone` nor is its subtask.
 */
export function releaseWrites(dependent: StoredTask, gone: Task, how: Release, actor: string | undefined): TransactItem[] {
  const lists = dependent.dependsOn?.includes(gone.id) ?? false;
  const child = how === 'deleted' && dependent.parentId === gone.id;
  if (!lists && !child) return [];
  const internal = internalOf(dependent);
  const counted = internal.doneDependencies ?? [];
  const wasOpen = lists && !counted.includes(gone.id);
  const at = now();
  const next: Task = { ...dependent, updatedAt: at, version: dependent.version + 1 };
  const dependsOn = (dependent.dependsOn ?? []).filter((id) => id !== gone.id);
  if (dependsOn.length) next.dependsOn = dependsOn;
  else delete next.dependsOn;
  if (wasOpen) next.openDependencies = Math.max(0, (dependent.openDependencies ?? 1) - 1);
  if (child) delete next.parentId;
  const ready = wasOpen && next.openDependencies === 0 && next.state === 'backlog';

  const who = ActorName(actor);
  const what = `task ${gone.id} ('${gone.title}')`;
  const parts = [
    ...(lists ? [`${who} ${how} ${what}, which this task depended on: it no longer waits for it${ready ? ' and can be claimed now' : ''}`] : []),
    ...(child ? [`${lists ? 'It' : `${who} deleted ${what}, its parent:`} is no longer a subtask${lists ? ' of it either' : ''}`] : []),
  ];
  const stored = withInternal(next, { ...internal, doneDependencies: counted.filter((id) => id !== gone.id) });
  return [
    ...taskRepository.change(dependent, stored),
    taskRepository.eventPut({ taskId: dependent.id, at, type: 'dependency_released', ...(actor ? { actor } : {}), message: parts.join('. ') }),
  ];
}

/**
 * Before `gone` is deleted: releases every task that waits for it or is its subtask, each in a transaction
 * of its own, retried on fresh data when the task changed meanwhile. The dependents are those with an edge
 * under `gone` (read strongly consistent: all that it still blocks) and those the project's task index
 * shows listing it or as its subtasks (a dependency done when they were created has no edge).
 */
export async function releaseBeforeDelete(gone: Task, actor: string | undefined): Promise<void> {
  const ids = new Set(await taskRepository.dependents(gone.id));
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await taskRepository.list({ projectId: gone.projectId, limit: 100, cursor }, { text: false });
    for (const task of page.items) if (task.dependsOn?.includes(gone.id) || task.parentId === gone.id) ids.add(task.id);
    cursor = page.cursor;
  }
  ids.delete(gone.id);
  await Promise.all([...ids].map((id) => releaseOne(id, gone, actor)));
}

async function releaseOne(id: string, gone: Task, actor: string | undefined): Promise<void> {
  // Nothing of the deleted task is gone yet when it gives up: refuse rather than leave the task waiting for it forever.
  const giveUp = () => new ConflictError(`Task '${id}' kept changing while it was released from task '${gone.id}'; nothing was deleted, try again`, { id });
  await retry({ attempts: 30, giveUp }, async () => {
    const dependent = await taskRepository.get(id);
    if (!dependent) return;
    const writes = releaseWrites(dependent, gone, 'deleted', actor);
    if (!writes.length) return;
    const failed = await transact(writes).catch((error: unknown) => {
      if (isTransactionConflict(error)) return [0];
      throw error;
    });
    return failed.length === 0 ? undefined : AGAIN;
  });
}
