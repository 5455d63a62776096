import { deleteProject } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('DELETE /api/projects/{id}', ({ params, query }) => deleteProject(params.id, query.version));
