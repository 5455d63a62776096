import { listTasks } from '@aiworker/core';
import { tasksListOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksListOperation, ({ query }) => listTasks(query));
