import { listTaskEvents, tasksEventsOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksEventsOperation, ({ params, query }) => listTaskEvents(params.id, query));
