import { deleteAgent, agentsDeleteOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(agentsDeleteOperation, ({ params, query }) => deleteAgent(params.id, query.version));
