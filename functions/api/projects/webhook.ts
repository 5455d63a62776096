import { requestWebhook } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/projects/{id}/webhook', ({ params }) => requestWebhook(params.id));
