import { requestRepository } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/projects/{id}/repository', ({ params }) => requestRepository(params.id));
