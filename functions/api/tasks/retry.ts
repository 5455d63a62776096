import { retryTask, tasksRetryOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksRetryOperation, ({ params, actor }) => retryTask(params.id, actor));
