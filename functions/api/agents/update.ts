import { updateAgent } from '@aiworker/core';
import { agentsUpdateOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(agentsUpdateOperation, ({ params, body }) => updateAgent(params.id, body));
