import { getAgent } from '@aiworker/core';
import { agentsGetOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(agentsGetOperation, ({ params }) => getAgent(params.id));
