import { registerAgent } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/agents', ({ body }) => registerAgent(body));
