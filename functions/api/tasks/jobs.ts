import { listTaskJobs, tasksJobsOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksJobsOperation, ({ params, query }) => listTaskJobs(params.id, query));
