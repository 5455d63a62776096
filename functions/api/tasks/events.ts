import { listTaskEvents } from '@aiworker/core';
import { tasksEventsOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksEventsOperation, ({ params, query }) => listTaskEvents(params.id, query));
