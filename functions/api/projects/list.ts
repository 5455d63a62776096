import { listProjects } from '@aiworker/core';
import { projectsListOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(projectsListOperation, ({ query }) => listProjects(query));
