import { respondToTask } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/tasks/{id}/respond', ({ params, body, actor }) => respondToTask(params.id, body, actor));
