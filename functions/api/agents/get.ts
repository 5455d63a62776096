import { getAgent, agentsGetOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(agentsGetOperation, ({ params }) => getAgent(params.id));
