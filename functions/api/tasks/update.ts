import { updateTask, tasksUpdateOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksUpdateOperation, ({ params, body, actor }) => updateTask(params.id, body, actor));
