import { listTaskJobs } from '@aiworker/core';
import { tasksJobsOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksJobsOperation, ({ params, query }) => listTaskJobs(params.id, query));
