import { requestMerge } from '@aiworker/core';
import { tasksMergeOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksMergeOperation, ({ params, actor }) => requestMerge(params.id, actor));
