import { requestMerge } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/tasks/{id}/merge', ({ params, actor }) => requestMerge(params.id, actor));
