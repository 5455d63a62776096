import { requestPullRequest } from '@aiworker/core';
import { tasksPullRequestOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(tasksPullRequestOperation, ({ params, body, actor }) => requestPullRequest(params.id, { ...body, actor }));
