import { createTask } from '@aiworker/core';
import { tasksCreateOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksCreateOperation, ({ body, actor }) => createTask(body, actor));
