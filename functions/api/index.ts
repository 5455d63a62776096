import { indexOperation } from '../lib/contract.js';
import { routes } from '@aiworker/infra/routes';
import { api } from '../lib/api.js';

export const handler = api(indexOperation, () =>
  routes.map(({ method, path, summary, auth }) => ({ method, path, summary, auth })),
);
