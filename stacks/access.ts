import { secrets } from '../infra/functions.js';
import type { FunctionKind } from './deployables.js';

/** The resources a function can be given. Linking one grants access to it (SST `link`), so give only what is used. */
export type Resource = 'table' | 'queue' | 'adminToken' | 'giteaToken' | 'webhookSecret';

/**
 * Least privilege, once for SST and LocalStack alike:
 * - REST functions read/write the table, send Gitea jobs, and check the admin token.
 * - MCP reads/writes the table and sends jobs; agents authenticate with their own tokens, so no admin token.
 * - The worker reads/writes jobs and tasks, extends message visibility, and alone talks to Gitea.
 * - The sweeper only returns expired leases in the table.
 * - The webhook secret is defined but nothing verifies webhooks yet, so it is linked nowhere.
 */
export const access: Record<FunctionKind, readonly Resource[]> = {
  rest: ['table', 'queue', 'adminToken'],
  mcp: ['table', 'queue'],
  worker: ['table', 'queue', 'giteaToken'],
  sweeper: ['table'],
};

/** The environment variables each resource puts in a function (the names packages/core/src/config.ts reads). */
export const environmentNames: Record<Resource, readonly string[]> = {
  table: ['AIWORKER_TABLE'],
  queue: ['AIWORKER_QUEUE_URL'],
  adminToken: [secrets.adminToken],
  giteaToken: [secrets.giteaToken, 'GITEA_URL'],
  webhookSecret: [secrets.webhookSecret],
};

/** The environment of a function that uses `uses`, with each variable's value taken from `values`. */
export function environmentFor<V>(uses: readonly Resource[], values: Record<string, V>): Record<string, V> {
  const environment: Record<string, V> = {};
  for (const name of uses.flatMap((resource) => environmentNames[resource])) {
    if (!(name in values)) throw new Error(`No value for environment variable ${name}`);
    environment[name] = values[name];
  }
  return environment;
}
