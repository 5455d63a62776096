import { stopTask, tasksStopOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksStopOperation, ({ params, actor }) => stopTask(params.id, actor));
