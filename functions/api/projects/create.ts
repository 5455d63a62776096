import { createProjectWithRepository } from '@aiworker/core';
import { projectsCreateOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsCreateOperation, ({ body }) => createProjectWithRepository(body));
