import { requestWebhook, projectsWebhookOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsWebhookOperation, ({ params }) => requestWebhook(params.id));
