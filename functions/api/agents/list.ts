import { listAgents } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('GET /api/agents', ({ query }) => listAgents(query));
