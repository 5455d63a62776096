import { readTaskLog } from '@aiworker/core';
import { tasksLogOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksLogOperation, ({ params, query, caller }) => readTaskLog(params.id, query, caller?.kind === 'agent' ? caller.agentId : undefined));
