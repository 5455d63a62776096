import { listProjects, projectsListOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsListOperation, ({ query }) => listProjects(query));
