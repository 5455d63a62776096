import { updateTask } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('PATCH /api/tasks/{id}', ({ params, body, actor }) => updateTask(params.id, body, actor));
