import { retryTask } from '@aiworker/core';
import { tasksRetryOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksRetryOperation, ({ params, actor }) => retryTask(params.id, actor));
