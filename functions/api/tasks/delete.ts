import { deleteTask } from '@aiworker/core';
import { tasksDeleteOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksDeleteOperation, ({ params, query, actor }) => deleteTask(params.id, query.version, actor));
