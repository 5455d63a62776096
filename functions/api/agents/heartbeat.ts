import { heartbeat } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/agents/{id}/heartbeat', ({ params }) => heartbeat(params.id));
