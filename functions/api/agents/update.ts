import { updateAgent, agentsUpdateOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(agentsUpdateOperation, ({ params, body }) => updateAgent(params.id, body));
