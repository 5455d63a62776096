import { deleteTask, tasksDeleteOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksDeleteOperation, ({ params, query, actor }) => deleteTask(params.id, query.version, actor));
