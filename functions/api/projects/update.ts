import { updateProject } from '@aiworker/core';
import { projectsUpdateOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsUpdateOperation, ({ params, body }) => updateProject(params.id, body));
