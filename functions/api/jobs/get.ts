import { getJob } from '@aiworker/core';
import { jobsGetOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(jobsGetOperation, ({ params }) => getJob(params.id));
