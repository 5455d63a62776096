import { deleteTask } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('DELETE /api/tasks/{id}', ({ params, query, actor }) => deleteTask(params.id, query.version, actor));
