import { stopTask } from '@aiworker/core';
import { tasksStopOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksStopOperation, ({ params, actor }) => stopTask(params.id, actor));
