import { heartbeat, agentsHeartbeatOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(agentsHeartbeatOperation, ({ params, caller }) => heartbeat(params.id, caller?.kind === 'agent' ? caller.record : undefined));
