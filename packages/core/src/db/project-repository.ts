import type { Page } from '../schemas/common.js';
import type { Project } from '../schemas/project.js';
import { timeKey } from './keys.js';
import { queryPage } from './page.js';
import { getItem, tableName, transact, versionedDelete, versionedPut, type Item, type TransactItem } from './store.js';

const pk = (id: string) => `PROJECT#${id}`;
const SK = 'PROJECT';

export const projectItem = (project: Project): Item => ({
  ...project,
  pk: pk(project.id),
  sk: SK,
  gsi1pk: 'PROJECTS',
  gsi1sk: timeKey(project.createdAt, project.id),
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

export const projectRepository = {
  get: (id: string) => getItem<Project>(pk(id), SK),
  /** A new project and its repository index item; false when the id exists. */
  create: async (project: Project) => (await transact([versionedPut(projectItem(project), undefined), indexPut(project)])).length === 0,
  /** Writes `next` over `current` (same version only); moves the index item when the repository changed. */
  save: async (next: Project, current: Project) => {
    const items: TransactItem[] = [versionedPut(projectItem(next), current.version), indexPut(next)];
    if (!sameRepository(next, current)) items.push(indexDelete(current));
    return (await transact(items)).length === 0;
  },
  delete: async (project: Project) => (await transact([versionedDelete(pk(project.id), SK, project.version), indexDelete(project)])).length === 0,
  list: (limit: number, cursor?: string): Promise<Page<Project>> =>
    queryPage<Project>({ tableName: tableName(), index: 'gsi1', partitionValue: 'PROJECTS', limit, cursor }),
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
