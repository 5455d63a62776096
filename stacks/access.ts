import { secrets, type SecretName } from '../infra/functions.js';
import type { Deployable, FunctionKind } from './deployables.js';

/** The resources a function can be given. Linking one grants access to it (SST `link`), so give only what is used. */
export type Resource = 'table' | 'queue' | SecretName;

/**
 * Least privilege, once for SST and LocalStack alike:
 * - REST functions read/write the table, send Gitea jobs, and check the admin token.
 * - MCP reads/writes the table and sends jobs; agents authenticate with their own tokens, so no admin token.
 * - The worker reads/writes jobs and tasks, extends message visibility, and alone talks to Gitea.
 * - The sweeper only returns expired leases in the table.
 * - The webhook secret goes to the Gitea webhook receiver (a REST route under `/api/webhooks/`) alone;
 *   while infra/ has no such route, the secret is not even created (see stacks/secrets.ts).
 */
export const access: Record<FunctionKind, readonly Resource[]> = {
  rest: ['table', 'queue', 'AdminToken'],
  mcp: ['table', 'queue'],
  worker: ['table', 'queue', 'GiteaToken'],
  sweeper: ['table'],
};

/** Item-level DynamoDB access only: no Scan, no table administration. */
export const tableActions = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:TransactGetItems',
  'dynamodb:TransactWriteItems',
  'dynamodb:ConditionCheckItem',
] as const;

/** What each kind may do with the job queue: producers send; the worker also receives, deletes and delays (retry backoff). */
export const queueActions: Record<FunctionKind, readonly string[]> = {
  rest: ['sqs:SendMessage'],
  mcp: ['sqs:SendMessage'],
  worker: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
  sweeper: [],
};

/** What SST's queue subscription grants the worker on the job queue for its event source mapping. */
export const eventSourceActions = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'] as const;

/** A webhook receiver: a REST route under /api/webhooks/. */
export const isWebhookReceiver = (fn: Deployable) => fn.kind === 'rest' && !!fn.route?.path.startsWith('/api/webhooks/');

/** What one function is linked to. */
export function accessOf(fn: Deployable): readonly Resource[] {
  return isWebhookReceiver(fn) ? [...access[fn.kind], 'WebhookSecret'] : access[fn.kind];
}

/** The secrets one function can read (through `Resource` from the `sst` package). */
export const secretsOf = (fn: Deployable): SecretName[] => accessOf(fn).filter((r): r is SecretName => r in secrets);

/** The plain (non-secret) environment variables each resource puts in a function (the names packages/core/src/config.ts reads). */
export const environmentNames: Record<'table' | 'queue', readonly string[]> = {
  table: ['AIWORKER_TABLE'],
  queue: ['AIWORKER_QUEUE_URL'],
};

/** The plain environment of a function that uses `uses`, with each variable's value taken from `values`. Secrets are never in it. */
export function environmentFor<V>(uses: readonly Resource[], values: Record<string, V>): Record<string, V> {
  const environment: Record<string, V> = {};
  for (const resource of uses) {
    if (resource !== 'table' && resource !== 'queue') continue;
    for (const name of environmentNames[resource]) {
      if (!(name in values)) throw new Error(`No value for environment variable ${name}`);
      environment[name] = values[name];
    }
  }
  return environment;
}
