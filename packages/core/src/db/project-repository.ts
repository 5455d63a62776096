import type { Page } from '../schemas/common.js';
import type { Project } from '../schemas/project.js';
import { indexEntry, projectPk, timeKey } from './keys.js';
import { projectUsageOf } from './usage-repository.js';
import { queryPage } from './page.js';
import { getItem, tableName, transact, versionedPut, type Item, type TransactItem } from './store.js';

const pk = projectPk;
const SK = 'PROJECT';

/**
 * The stored project also counts its tasks (`taskCount`, never shown): creating a task adds one in the
 * same transaction, guarded by the project existing; deleting the project requires zero. So creating a
 * task and deleting its project exclude each other atomically, and no task outlives its project.
 */
export interface ProjectRecord extends Project {
  taskCount?: number;
  /** Signs outgoing notifications; never leaves core. */
  notifySecret?: string;
  /** Usage totals, as counters (usage-repository.ts); shown as `usage`. */
  usageAttempts?: number;
  usageSeconds?: number;
  usageInputTokens?: number;
  usageOutputTokens?: number;
  usageCostUsd?: number;
}

export const publicProject = (record: ProjectRecord): Project => {
  const { taskCount: _count, notifySecret: _secret, usageAttempts: _a, usageSeconds: _s, usageInputTokens: _i, usageOutputTokens: _o, usageCostUsd: _c, ...project } = record;
  const usage = projectUsageOf(record as unknown as Record<string, unknown>);
  return usage ? { ...project, usage } : project;
};

export const projectItem = (project: ProjectRecord): Item => ({
  ...project,
  pk: pk(project.id),
  sk: SK,
  ...indexEntry('all', 'PROJECTS', timeKey(project.createdAt, project.id)),
});

/**
 * The repository index: one item per (Gitea repository, project) under `REPO#owner/repo` (lower-cased, as
 * Gitea compares names), written in the same transaction as the project. A webhook names a repository;
 * one Query of its partition finds the projects on it, and the partition also keeps the state of the
 * repository's webhook (sk `HOOK`). Several projects may share a repository.
 */
export const repositoryPk = (owner: string, repo: string) => `REPO#${owner.toLowerCase()}/${repo.toLowerCase()}`;
const indexSk = (projectId: string) => `PROJECT#${projectId}`;
const HOOK_SK = 'HOOK';

const indexPut = (project: Project): TransactItem => ({
  Put: {
    TableName: tableName(),
    Item: { pk: repositoryPk(project.giteaOwner, project.giteaRepo), sk: indexSk(project.id), projectId: project.id, giteaOwner: project.giteaOwner, giteaRepo: project.giteaRepo },
  },
});
const indexDelete = (project: Project): TransactItem => ({
  Delete: { TableName: tableName(), Key: { pk: repositoryPk(project.giteaOwner, project.giteaRepo), sk: indexSk(project.id) } },
});
const sameRepository = (a: Project, b: Project) => repositoryPk(a.giteaOwner, a.giteaRepo) === repositoryPk(b.giteaOwner, b.giteaRepo);

/** What the hook registration job last did for a repository. */
export interface RepositoryHook {
  owner: string;
  repo: string;
  /** Gitea's id of the hook. */
  hookId: number;
  /** Where Gitea sends the events. */
  url: string;
  /** The Gitea account aiworker acts as (its comments are not feedback). */
  giteaLogin?: string;
  syncedAt: string;
}

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
  /**
   * A new project (`expectedVersion` undefined) or a change guarded by its version and its task count; the
   * repository index item goes with it (moved when `previous` named another repository).
   */
  save: async (project: ProjectRecord, expectedVersion: number | undefined, previous?: Project) => {
    const items: TransactItem[] =
      expectedVersion === undefined
        ? [versionedPut(projectItem({ ...project, taskCount: 0 }), undefined), indexPut(project)]
        : [versionedPut(projectItem(project), expectedVersion, sameTaskCount(project)), indexPut(project)];
    if (previous && !sameRepository(previous, project)) items.push(indexDelete(previous));
    return (await transact(items)).length === 0;
  },
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
    return (await transact([item, indexDelete(record)])).length === 0;
  },
  /** Part of a task's creation: counts the task, and fails the transaction if the project is gone. */
  addTask: (projectId: string): TransactItem => countUpdate(projectId, 1),
  /** Part of a task's deletion. */
  removeTask: (projectId: string): TransactItem => countUpdate(projectId, -1),
  list: async (limit: number, cursor?: string): Promise<Page<Project>> => {
    const page = await queryPage<ProjectRecord>({ tableName: tableName(), index: 'all', partitionValue: 'PROJECTS', limit, cursor });
    return { ...page, items: page.items.map(publicProject) };
  },
  /** Ids of the projects on a Gitea repository (the index partition; no Scan). */
  idsByRepository: async (owner: string, repo: string): Promise<string[]> => {
    const page = await queryPage<{ projectId: string }>({ tableName: tableName(), partitionValue: repositoryPk(owner, repo), sortPrefix: 'PROJECT#', limit: 100 });
    return page.items.map((item) => item.projectId);
  },
  /** Re-writes the index item of a project (projects made before the index existed get theirs on a webhook sync). */
  indexPut,
  getHook: (owner: string, repo: string) => getItem<RepositoryHook>(repositoryPk(owner, repo), HOOK_SK),
  hookPut: (hook: RepositoryHook): TransactItem => ({ Put: { TableName: tableName(), Item: { ...hook, pk: repositoryPk(hook.owner, hook.repo), sk: HOOK_SK } } }),
};
