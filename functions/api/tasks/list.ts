import { listTasks } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/tasks', ({ query }) => listTasks(query));
