import { getAgent } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/agents/{id}', ({ params }) => getAgent(params.id));
