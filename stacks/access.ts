import { secrets, type SecretName } from '../infra/functions.js';
import type { Deployable, FunctionKind } from './deployables.js';

/** The resources a function can be given. Linking one grants access to it (SST `link`), so give only what is used. */
export type Resource = 'table' | 'queue' | SecretName;

/**
 * Least privilege, once for SST and LocalStack alike:
 * - REST functions read/write the table, send Gitea jobs, and check the admin token.
 * - MCP reads/writes the table and sends jobs; agents authenticate with their own tokens, so no admin token.
 * - The worker reads/writes jobs and tasks, extends message visibility, and alone talks to Gitea.
 * - The sweeper returns expired leases in the table, sends the notification jobs they cause, and sends
 *   stalled jobs to the queue again.
 * - Secrets beyond these go to the few functions that read them (accessOf below); a secret no function of
 *   infra/ reads is not even created (see stacks/secrets.ts).
 */
export const access: Record<FunctionKind, readonly Resource[]> = {
  rest: ['table', 'queue', 'AdminToken'],
  mcp: ['table', 'queue'],
  worker: ['table', 'queue', 'GiteaToken'],
  sweeper: ['table', 'queue'],
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
  sweeper: ['sqs:SendMessage'],
};

/** What SST's queue subscription grants the worker on the job queue for its event source mapping. */
export const eventSourceActions = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'] as const;

/** A webhook receiver: a REST route under /api/webhooks/. */
export const isWebhookReceiver = (fn: Deployable) => fn.kind === 'rest' && !!fn.route?.path.startsWith('/api/webhooks/');

/** The REST routes that ask for a repository's webhook (they must know whether the webhook secret is set). */
const registersWebhooks = ['POST /api/projects', 'POST /api/projects/{id}/webhook'];

/** The Gitea sign-in routes (the callback exchanges the code with the OAuth client secret). */
const isGiteaSignIn = (fn: Deployable) => fn.kind === 'rest' && !!fn.route?.path.startsWith('/api/auth/gitea/');

/**
 * What one function is linked to: its kind's resources, plus
 * - WebhookSecret for the webhook receiver (verifies signatures), the worker (registers hooks with it) and
 *   the routes that register hooks;
 * - GiteaClientSecret for the Gitea sign-in routes.
 */
export function accessOf(fn: Deployable): readonly Resource[] {
  const extra: Resource[] = [];
  const key = fn.route && `${fn.route.method} ${fn.route.path}`;
  if (isWebhookReceiver(fn) || fn.kind === 'worker' || (key && registersWebhooks.includes(key))) extra.push('WebhookSecret');
  if (isGiteaSignIn(fn)) extra.push('GiteaClientSecret');
  return [...access[fn.kind], ...extra];
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
