import { updateProject, projectsUpdateOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsUpdateOperation, ({ params, body }) => updateProject(params.id, body));
