import { getTask } from '@aiworker/core';
import { tasksGetOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksGetOperation, ({ params }) => getTask(params.id));
