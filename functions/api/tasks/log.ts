import { readTaskLog, tasksLogOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksLogOperation, ({ params, query, caller }) => readTaskLog(params.id, query, caller?.kind === 'agent' ? caller.agentId : undefined));
