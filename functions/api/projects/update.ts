import { updateProject } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('PATCH /api/projects/{id}', ({ params, body }) => updateProject(params.id, body));
