import { getJob } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/jobs/{id}', ({ params }) => getJob(params.id));
