import { deleteAgent } from '@aiworker/core';
import { agentsDeleteOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(agentsDeleteOperation, ({ params, query }) => deleteAgent(params.id, query.version));
