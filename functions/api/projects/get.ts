import { getProject } from '@aiworker/core';
import { projectsGetOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsGetOperation, ({ params }) => getProject(params.id));
