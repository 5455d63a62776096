import { getTask } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/tasks/{id}', ({ params }) => getTask(params.id));
