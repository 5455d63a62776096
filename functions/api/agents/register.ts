import { registerAgent, agentsRegisterOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(agentsRegisterOperation, ({ body }) => registerAgent(body));
