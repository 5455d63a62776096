import { createProjectWithRepository, projectsCreateOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsCreateOperation, ({ body }) => createProjectWithRepository(body));
