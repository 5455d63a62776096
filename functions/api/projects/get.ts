import { getProject } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/projects/{id}', ({ params }) => getProject(params.id));
