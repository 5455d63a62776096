import { listAgents, agentsListOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(agentsListOperation, ({ query }) => listAgents(query));
