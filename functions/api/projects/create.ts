import { createProjectWithRepository } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api('POST /api/projects', ({ body }) => createProjectWithRepository(body));
