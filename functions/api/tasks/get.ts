import { getTask, tasksGetOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksGetOperation, ({ params }) => getTask(params.id));
