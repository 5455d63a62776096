import { respondToTask, tasksRespondOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksRespondOperation, ({ params, body, actor }) => respondToTask(params.id, body, actor));
