import { listTasks, tasksListOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksListOperation, ({ query }) => listTasks(query));
