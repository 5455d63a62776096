import { getProject, projectsGetOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsGetOperation, ({ params }) => getProject(params.id));
