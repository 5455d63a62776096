import { getJob, jobsGetOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(jobsGetOperation, ({ params }) => getJob(params.id));
