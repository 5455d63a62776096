import { deleteProject } from '@aiworker/core';
import { projectsDeleteOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsDeleteOperation, ({ params, query }) => deleteProject(params.id, query.version));
