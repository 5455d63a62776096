import { requestMerge, tasksMergeOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksMergeOperation, ({ params, actor }) => requestMerge(params.id, actor));
