import { requestPullRequest, tasksPullRequestOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(tasksPullRequestOperation, ({ params, body, actor }) => requestPullRequest(params.id, { ...body, actor }));
