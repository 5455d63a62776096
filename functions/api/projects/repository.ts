import { requestRepository, projectsRepositoryOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';

export const handler = api(projectsRepositoryOperation, ({ params }) => requestRepository(params.id));
