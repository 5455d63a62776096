import { routes } from '../../infra/routes.js';
import { api } from '../lib/api.js';

export const handler = api('GET /api', () =>
  routes.map(({ method, path, summary, auth }) => ({ method, path, summary, auth })),
);
