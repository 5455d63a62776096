import { respondToTask } from '@aiworker/core';
import { tasksRespondOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksRespondOperation, ({ params, body, actor }) => respondToTask(params.id, body, actor));
