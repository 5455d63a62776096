import { listTaskJobs } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/tasks/{id}/jobs', ({ params, query }) => listTaskJobs(params.id, query));
