import type { Page } from '../schemas/common.js';
import type { Project } from '../schemas/project.js';
import { timeKey } from './keys.js';
import { queryPage } from './page.js';
import { getItem, putVersioned, tableName, transact, versionedPut, type Item, type TransactItem } from './store.js';

const pk = (id: string) => `PROJECT#${id}`;
const SK = 'PROJECT';

/**
 * The stored project also counts its tasks (`taskCount`, never shown): creating a task adds one in the
 * same transaction, guarded by the project existing; deleting the project requires zero. So creating a
 * task and deleting its project exclude each other atomically, and no task outlives its project.
 */
export interface ProjectRecord extends Project {
  taskCount?: number;
}

export const publicProject = (record: ProjectRecord): Project => {
  const { taskCount: _count, ...project } = record;
  return project;
};

export const projectItem = (project: ProjectRecord): Item => ({
  ...project,
  pk: pk(project.id),
  sk: SK,
  gsi1pk: 'PROJECTS',
  gsi1sk: timeKey(project.createdAt, project.id),
});

/** The task count as it was read: a save that would overwrite a newer count fails like a stale version. */
const sameTaskCount = (record: ProjectRecord) =>
  record.taskCount === undefined
    ? { expression: 'attribute_not_exists(taskCount)' }
    : { expression: 'taskCount = :taskCount', values: { ':taskCount': record.taskCount } };

const countUpdate = (projectId: string, delta: 1 | -1): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: pk(projectId), sk: SK },
    UpdateExpression: 'ADD taskCount :delta',
    // +1 only while the project exists; -1 never below zero (projects older than the count have none).
    ConditionExpression: delta > 0 ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND taskCount > :zero',
    ExpressionAttributeValues: delta > 0 ? { ':delta': delta } : { ':delta': delta, ':zero': 0 },
  },
});

export const projectRepository = {
  get: (id: string) => getItem<ProjectRecord>(pk(id), SK),
  /** A new project (`expectedVersion` undefined) or a change guarded by its version and its task count. */
  save: (project: ProjectRecord, expectedVersion: number | undefined) =>
    expectedVersion === undefined
      ? putVersioned(projectItem({ ...project, taskCount: 0 }), undefined)
      : transact([versionedPut(projectItem(project), expectedVersion, sameTaskCount(project))]).then((failed) => failed.length === 0),
  /** Deletes the project if it is still at `expectedVersion` and has no task. */
  delete: async (record: ProjectRecord, expectedVersion: number): Promise<boolean> => {
    const item: TransactItem = {
      Delete: {
        TableName: tableName(),
        Key: { pk: pk(record.id), sk: SK },
        ConditionExpression: '#version = :expectedVersion AND (attribute_not_exists(taskCount) OR taskCount = :zero)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expectedVersion': expectedVersion, ':zero': 0 },
      },
    };
    return (await transact([item])).length === 0;
  },
  /** Part of a task's creation: counts the task, and fails the transaction if the project is gone. */
  addTask: (projectId: string): TransactItem => countUpdate(projectId, 1),
  /** Part of a task's deletion. */
  removeTask: (projectId: string): TransactItem => countUpdate(projectId, -1),
  list: async (limit: number, cursor?: string): Promise<Page<Project>> => {
    const page = await queryPage<ProjectRecord>({ tableName: tableName(), index: 'gsi1', partitionValue: 'PROJECTS', limit, cursor });
    return { ...page, items: page.items.map(publicProject) };
  },
};
