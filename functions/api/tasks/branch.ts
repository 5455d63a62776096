import { requestBranch } from '@aiworker/core';
import { tasksBranchOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksBranchOperation, ({ params, actor }) => requestBranch(params.id, { actor }));
