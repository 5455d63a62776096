import { requestWebhook } from '@aiworker/core';
import { projectsWebhookOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsWebhookOperation, ({ params }) => requestWebhook(params.id));
