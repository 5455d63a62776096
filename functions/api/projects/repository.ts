import { requestRepository } from '@aiworker/core';
import { projectsRepositoryOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsRepositoryOperation, ({ params }) => requestRepository(params.id));
