import { listTaskEvents } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/tasks/{id}/events', ({ params, query }) => listTaskEvents(params.id, query));
