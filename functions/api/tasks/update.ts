import { updateTask } from '@aiworker/core';
import { tasksUpdateOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksUpdateOperation, ({ params, body, actor }) => updateTask(params.id, body, actor));
