import { createTask } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/tasks', ({ body, actor }) => createTask(body, actor));
