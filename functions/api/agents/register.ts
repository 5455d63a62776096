import { registerAgent } from '@aiworker/core';
import { agentsRegisterOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(agentsRegisterOperation, ({ body }) => registerAgent(body));
