import { listAgents } from '@aiworker/core';
import { agentsListOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(agentsListOperation, ({ query }) => listAgents(query));
