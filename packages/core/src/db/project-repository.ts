import type { Page } from '../schemas/common.js';
import type { Project } from '../schemas/project.js';
import { indexEntry, timeKey } from './keys.js';
import { queryPage } from './page.js';
import { deleteVersioned, getItem, putVersioned, tableName, type Item } from './store.js';

const pk = (id: string) => `PROJECT#${id}`;
const SK = 'PROJECT';

export const projectItem = (project: Project): Item => ({
  ...project,
  pk: pk(project.id),
  sk: SK,
  ...indexEntry('all', 'PROJECTS', timeKey(project.createdAt, project.id)),
});

export const projectRepository = {
  get: (id: string) => getItem<Project>(pk(id), SK),
  save: (project: Project, expectedVersion: number | undefined) => putVersioned(projectItem(project), expectedVersion),
  delete: (id: string, expectedVersion: number) => deleteVersioned(pk(id), SK, expectedVersion),
  list: (limit: number, cursor?: string): Promise<Page<Project>> =>
    queryPage<Project>({ tableName: tableName(), index: 'all', partitionValue: 'PROJECTS', limit, cursor }),
};
