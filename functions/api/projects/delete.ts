import { deleteProject, projectsDeleteOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsDeleteOperation, ({ params, query }) => deleteProject(params.id, query.version));
