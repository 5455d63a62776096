import { indexOperation } from '@aiworker/core';
import { routes } from '../../infra/routes.js';
import { api } from '../lib/api.js';

export const handler = api(indexOperation, () =>
  routes.map(({ method, path, summary, auth }) => ({ method, path, summary, auth })),
);
