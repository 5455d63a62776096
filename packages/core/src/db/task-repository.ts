import type { Page } from '../schemas/common.js';
import type { Task, TaskEvent, TaskListQuery, TaskState } from '../schemas/task.js';
import { rankKey, timeKey } from './keys.js';
import { queryPage, type PageQuery } from './page.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './client.js';
import { deleteKeys, getItem, tableName, versionedDelete, versionedPut, type Item, type TransactItem } from './store.js';

export const taskPk = (id: string) => `TASK#${id}`;
const SK = 'TASK';

export const taskItem = (task: Task): Item => {
  const rank = rankKey(task.priority, task.createdAt, task.id);
  const created = timeKey(task.createdAt, task.id);
  return {
    ...task,
    pk: taskPk(task.id),
    sk: SK,
    gsi1pk: 'TASKS',
    gsi1sk: created,
    gsi2pk: `TASK_STATE#${task.state}`,
    gsi2sk: rank,
    gsi3pk: `PROJECT_TASKS#${task.projectId}`,
    gsi3sk: created,
    ...(task.assignedAgentId ? { gsi4pk: `AGENT_TASKS#${task.assignedAgentId}`, gsi4sk: created } : {}),
    gsi5pk: `PROJECT_STATE#${task.projectId}#${task.state}`,
    gsi5sk: rank,
  };
};

export const taskEventItem = (event: TaskEvent): Item => ({
  ...event,
  pk: taskPk(event.taskId),
  sk: `EVENT#${event.at}#${Math.random().toString(36).slice(2, 10)}`,
});

/** Picks the most selective index for a filter combination; remaining filters run inside the Query. */
function listQuery(query: TaskListQuery): Omit<PageQuery, 'limit' | 'cursor' | 'tableName'> {
  const { projectId, state, assignedAgentId } = query;
  if (assignedAgentId) {
    const filters: Record<string, string> = {};
    if (projectId) filters.projectId = projectId;
    if (state) filters.state = state;
    return { index: 'gsi4', partitionValue: `AGENT_TASKS#${assignedAgentId}`, filters };
  }
  if (projectId && state) return { index: 'gsi5', partitionValue: `PROJECT_STATE#${projectId}#${state}` };
  if (projectId) return { index: 'gsi3', partitionValue: `PROJECT_TASKS#${projectId}` };
  if (state) return { index: 'gsi2', partitionValue: `TASK_STATE#${state}` };
  return { index: 'gsi1', partitionValue: 'TASKS' };
}

export const taskRepository = {
  get: (id: string) => getItem<Task>(taskPk(id), SK),
  put: (task: Task, expectedVersion: number | undefined, extra?: Parameters<typeof versionedPut>[2]): TransactItem =>
    versionedPut(taskItem(task), expectedVersion, extra),
  eventPut: (event: TaskEvent): TransactItem => ({ Put: { TableName: tableName(), Item: taskEventItem(event) } }),
  /** Deletes the task if it is still at `expectedVersion` (part of a transaction). */
  delete: (id: string, expectedVersion: number): TransactItem => versionedDelete(taskPk(id), SK, expectedVersion),
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
  list: (query: TaskListQuery): Promise<Page<Task>> =>
    queryPage<Task>({ tableName: tableName(), ...listQuery(query), limit: query.limit, cursor: query.cursor }),
  /** Backlog (or any state) in pick order: highest priority, then oldest. */
  byStateRanked: (state: TaskState, limit: number, projectId?: string, cursor?: string): Promise<Page<Task>> =>
    queryPage<Task>({
      tableName: tableName(),
      index: projectId ? 'gsi5' : 'gsi2',
      partitionValue: projectId ? `PROJECT_STATE#${projectId}#${state}` : `TASK_STATE#${state}`,
      limit,
      cursor,
    }),
  events: (taskId: string, limit: number, cursor?: string): Promise<Page<TaskEvent>> =>
    queryPage<TaskEvent>({ tableName: tableName(), partitionValue: taskPk(taskId), sortPrefix: 'EVENT#', limit, cursor }),
  hasAnyInProject: async (projectId: string): Promise<boolean> =>
    (await queryPage<Task>({ tableName: tableName(), index: 'gsi3', partitionValue: `PROJECT_TASKS#${projectId}`, limit: 1 })).items.length > 0,
};
