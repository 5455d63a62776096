import { requestBranch, tasksBranchOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksBranchOperation, ({ params, actor }) => requestBranch(params.id, { actor }));
