import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors.js';
import type { Page } from '../schemas/common.js';
import type { Task, TaskEvent, TaskListQuery, TaskState } from '../schemas/task.js';
import { documentClient } from './client.js';
import { allShards, indexEntry, rankKey, shardOf, timeKey } from './keys.js';
import { queryPage, queryShardedPage } from './page.js';
import { deleteKeys, getItem, tableName, versionedDelete, versionedPut, type Item, type TransactItem } from './store.js';

export const taskPk = (id: string) => `TASK#${id}`;
export const TASK_SK = 'TASK';

/**
 * What the task item stores besides the public fields: never shown, carried along by every write of the
 * task (a symbol key survives `{...task}` and is left out of JSON).
 *  - pendingEvents: events written into the task item by a single-item write (a claim), turned into
 *    event items by the next transaction on the task or when its events are read (idempotent: the
 *    event's key is fixed by the task version it came with).
 *  - doneDependencies: dependencies already counted as done (a finished dependency is counted once).
 *  - dependents: how many tasks depend on this one (their edges are `pk=TASK#<this>, sk=DEPENDENT#<id>`).
 */
export const TASK_INTERNAL = Symbol('taskInternal');
export interface TaskInternal {
  pendingEvents?: (TaskEvent & { key?: string })[];
  doneDependencies?: string[];
  dependents?: number;
}
export type StoredTask = Task & { [TASK_INTERNAL]?: TaskInternal };
const INTERNAL_ATTRIBUTES = ['pendingEvents', 'doneDependencies', 'dependents'] as const;

export const internalOf = (task: Task): TaskInternal => (task as StoredTask)[TASK_INTERNAL] ?? {};
export const withInternal = (task: Task, internal: TaskInternal): StoredTask => ({ ...task, [TASK_INTERNAL]: internal });

/** A backlog task is claimable when none of its dependencies is open. */
export const isClaimable = (task: Pick<Task, 'state' | 'openDependencies'>) => task.state === 'backlog' && !(task.openDependencies ?? 0);

/** The index entries a task is in, by its state: see infra/table.ts. */
export function taskIndexEntries(task: Task): Item {
  const rank = rankKey(task.priority, task.createdAt, task.id);
  const created = timeKey(task.createdAt, task.id);
  const shard = shardOf(task.id);
  const backlogKind = isClaimable(task) ? 'READY' : 'BLOCKED';
  return {
    ...indexEntry('all', 'TASKS', created),
    ...indexEntry('owner', `PROJECT_TASKS#${task.projectId}`, created),
    ...(task.assignedAgentId ? indexEntry('assignee', `AGENT_TASKS#${task.assignedAgentId}`, created) : {}),
    ...indexEntry('status', `TASK_STATE#${task.state}#${shard}`, rank),
    ...indexEntry('projectState', `PROJECT_STATE#${task.projectId}#${task.state}`, rank),
    ...(task.state === 'backlog'
      ? { ...indexEntry('backlog', `${backlogKind}#${shard}`, rank), ...indexEntry('projectBacklog', `${backlogKind}#${task.projectId}`, rank) }
      : {}),
  };
}

export const taskItem = (task: Task): Item => {
  const internal = internalOf(task);
  const stored: Item = { ...task };
  for (const name of INTERNAL_ATTRIBUTES) if (internal[name] !== undefined && !(Array.isArray(internal[name]) && !internal[name].length)) stored[name] = internal[name];
  return { ...stored, pk: taskPk(task.id), sk: TASK_SK, ...taskIndexEntries(task) };
};

/** A stored task item as a Task, its internal attributes tucked under TASK_INTERNAL. */
export function fromItem(item: Record<string, unknown>): StoredTask {
  const copy = { ...item };
  const internal: TaskInternal = {};
  for (const name of INTERNAL_ATTRIBUTES) {
    if (copy[name] !== undefined) (internal as Record<string, unknown>)[name] = copy[name];
    delete copy[name];
  }
  return withInternal(copy as unknown as Task, internal);
}

/** Event items sort by time; a pending event's key is fixed by its task version, so writing it twice writes one item. */
export const taskEventItem = (event: TaskEvent, key?: string): Item => ({
  ...event,
  pk: taskPk(event.taskId),
  sk: `EVENT#${event.at}#${key ?? Math.random().toString(36).slice(2, 10)}`,
});

const pendingEventItem = (event: TaskEvent & { key?: string }): Item => {
  const { key, ...rest } = event;
  return taskEventItem(rest, key);
};

export const dependentPk = taskPk;
export const dependentSk = (id: string) => `DEPENDENT#${id}`;

/** Picks the most selective index for a filter combination; remaining filters run inside the Query. */
function listTasks(query: TaskListQuery): Promise<Page<Task>> {
  const { projectId, state, assignedAgentId, ready, blocked } = query;
  const page = { tableName: tableName(), limit: query.limit, cursor: query.cursor };
  if (ready || blocked) {
    if (ready && blocked) throw new ValidationError("Use either 'ready' or 'blocked', not both");
    if (assignedAgentId || (state && state !== 'backlog')) {
      throw new ValidationError("'ready' and 'blocked' select backlog tasks; they go with projectId only");
    }
    const kind = ready ? 'READY' : 'BLOCKED';
    if (projectId) return queryPage<Task>({ ...page, index: 'projectBacklog', partitionValue: `${kind}#${projectId}` });
    return queryShardedPage<Task>({ ...page, index: 'backlog', partitionValues: allShards().map((shard) => `${kind}#${shard}`) });
  }
  if (assignedAgentId) {
    const filters: Record<string, string> = {};
    if (projectId) filters.projectId = projectId;
    if (state) filters.state = state;
    return queryPage<Task>({ ...page, index: 'assignee', partitionValue: `AGENT_TASKS#${assignedAgentId}`, filters });
  }
  if (projectId && state) return queryPage<Task>({ ...page, index: 'projectState', partitionValue: `PROJECT_STATE#${projectId}#${state}` });
  if (projectId) return queryPage<Task>({ ...page, index: 'owner', partitionValue: `PROJECT_TASKS#${projectId}` });
  if (state) return queryShardedPage<Task>({ ...page, index: 'status', partitionValues: allShards().map((shard) => `TASK_STATE#${state}#${shard}`) });
  return queryPage<Task>({ ...page, index: 'all', partitionValue: 'TASKS' });
}

export const taskRepository = {
  get: async (id: string): Promise<StoredTask | undefined> => {
    const item = await getItem<Record<string, unknown>>(taskPk(id), TASK_SK);
    return item && fromItem(item);
  },
  put: (task: Task, expectedVersion: number | undefined, extra?: Parameters<typeof versionedPut>[2]): TransactItem =>
    versionedPut(taskItem(task), expectedVersion, extra),
  /**
   * Writes `next` over `task` (guarded by task's version) and turns task's pending events into event
   * items in the same transaction; the first item is the task's.
   */
  change: (task: Task, next: Task, extra?: Parameters<typeof versionedPut>[2]): TransactItem[] => {
    const internal = internalOf(next);
    const flushed = internal.pendingEvents?.length ? withInternal(next, { ...internal, pendingEvents: undefined }) : next;
    return [versionedPut(taskItem(flushed), task.version, extra), ...taskRepository.pendingEventPuts(task)];
  },
  eventPut: (event: TaskEvent): TransactItem => ({ Put: { TableName: tableName(), Item: taskEventItem(event) } }),
  /** The pending events of `task` as event items, to write with the next change of the task. */
  pendingEventPuts: (task: Task): TransactItem[] =>
    (internalOf(task).pendingEvents ?? []).map((event) => ({ Put: { TableName: tableName(), Item: pendingEventItem(event) } })),
  /** Writes the pending events of `task` as event items now (idempotent), e.g. before its events are listed. */
  flushPendingEvents: async (task: Task): Promise<void> => {
    const pending = internalOf(task).pendingEvents ?? [];
    if (pending.length === 0) return;
    let requests: Record<string, unknown>[] = pending.map((event) => ({ PutRequest: { Item: pendingEventItem(event) } }));
    while (requests.length) {
      const result = await documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests as never } }));
      requests = (result.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined) ?? [];
    }
  },
  /** Deletes the task if it is still at `expectedVersion` (part of a transaction). */
  delete: (id: string, expectedVersion: number): TransactItem => versionedDelete(taskPk(id), TASK_SK, expectedVersion),
  /** Deletes every event of a (deleted) task: a Query of its partition, keys only, then batched deletes. */
  deleteEvents: async (taskId: string): Promise<number> => {
    let deleted = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':pk': taskPk(taskId), ':events': 'EVENT#' },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = (page.Items ?? []) as Array<{ pk: string; sk: string }>;
      await deleteKeys(keys);
      deleted += keys.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  },
  list: listTasks,
  events: (taskId: string, limit: number, cursor?: string): Promise<Page<TaskEvent>> =>
    queryPage<TaskEvent>({ tableName: tableName(), partitionValue: taskPk(taskId), sortPrefix: 'EVENT#', limit, cursor }),
  /** Ids of the tasks that depend on this one. */
  dependents: async (taskId: string): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryPage<{ dependentId: string }>({ tableName: tableName(), partitionValue: taskPk(taskId), sortPrefix: 'DEPENDENT#', limit: 100, cursor });
      ids.push(...page.items.map((edge) => edge.dependentId));
      cursor = page.cursor;
    } while (cursor);
    return ids;
  },
  hasAnyInProject: async (projectId: string): Promise<boolean> =>
    (await queryPage<Task>({ tableName: tableName(), index: 'owner', partitionValue: `PROJECT_TASKS#${projectId}`, limit: 1 })).items.length > 0,
};

export type { TaskState };
