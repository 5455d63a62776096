import { updateAgent } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('PATCH /api/agents/{id}', ({ params, body }) => updateAgent(params.id, body));
