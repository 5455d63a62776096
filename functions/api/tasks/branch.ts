import { requestBranch } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/tasks/{id}/branch', ({ params }) => requestBranch(params.id));
