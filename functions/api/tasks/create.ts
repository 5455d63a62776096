import { createTask, tasksCreateOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksCreateOperation, ({ body, actor }) => createTask(body, actor));
