import { deleteAgent } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('DELETE /api/agents/{id}', ({ params, query }) => deleteAgent(params.id, query.version));
