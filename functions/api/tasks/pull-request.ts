import { requestPullRequest } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/tasks/{id}/pull-request', ({ params, body }) => requestPullRequest(params.id, body));
