import { heartbeat, requireScope } from '@aiworker/core';
import { agentsHeartbeatOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

/** An agent's own token needs the `work` scope, as the MCP heartbeat tool does: a heartbeat keeps a held task's lease alive. */
export const handler = api(agentsHeartbeatOperation, ({ params, caller }) => {
  const record = caller?.kind === 'agent' ? caller.record : undefined;
  if (record) requireScope(record, 'heartbeat');
  return heartbeat(params.id, record);
});
