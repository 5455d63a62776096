import type { SecretName } from '../infra/functions.js';
import { accessOf, environmentFor, queueActions, tableActions } from './access.js';
import { deployables, nodeOptions, runtime, type Deployable, type FunctionKind } from './deployables.js';

/** The linkable resources of the app, created once in sst.config.ts and handed to each stack. */
export interface Linked {
  table: sst.aws.Dynamo;
  queue: sst.aws.Queue;
  /** Only the secrets some function uses (see stacks/secrets.ts). */
  secrets: Partial<Record<SecretName, sst.Secret>>;
  /** The stage settings that are set (infra/functions.ts `stageSettings`), given to every function. */
  settings: Record<string, string>;
  /** Where people and Gitea reach the app (AIWORKER_PUBLIC_URL): the router's URL unless set. */
  publicUrl: $util.Input<string>;
}

/** The one function of a kind that is not a REST route (mcp, worker, sweeper). */
export function deployableOf(kind: Exclude<FunctionKind, 'rest'>): Deployable {
  const found = deployables().find((fn) => fn.kind === kind);
  if (!found) throw new Error(`infra/ declares no ${kind} function`);
  return found;
}

/**
 * SST FunctionArgs for one function (sst.dev/docs/component/aws/function): `handler` as `path/file.handler`,
 * runtime, `permissions` with exactly the table and queue actions of access.ts (linking the table or queue
 * would grant `dynamodb:*` / `sqs:*`, Scan included), and `link` for the secrets it reads, which SST hands to
 * the function through `Resource` (the `sst` package), encrypted in the bundle. Secrets travel that way
 * only; the environment holds the table name, the queue URL and the stage settings, which are not secret.
 * Powertools reads its service name from POWERTOOLS_SERVICE_NAME and its metrics namespace from
 * POWERTOOLS_METRICS_NAMESPACE.
 */
export function functionArgs(fn: Deployable, linked: Linked, extra: Partial<sst.aws.FunctionArgs> = {}): sst.aws.FunctionArgs {
  const uses = accessOf(fn);
  const permissions: sst.aws.FunctionPermissionArgs[] = [];
  if (uses.includes('table')) permissions.push({ actions: [...tableActions], resources: [linked.table.arn, $interpolate`${linked.table.arn}/index/*`] });
  if (uses.includes('queue')) permissions.push({ actions: [...queueActions[fn.kind]], resources: [linked.queue.arn] });
  const link = uses.flatMap((resource) => {
    if (resource === 'table' || resource === 'queue') return [];
    const secret = linked.secrets[resource];
    if (!secret) throw new Error(`${fn.handler} uses the secret ${resource}, which stacks/secrets.ts did not create`);
    return [secret];
  });
  return {
    handler: `${fn.handler}.handler`,
    runtime,
    permissions,
    link,
    environment: {
      ...environmentFor(uses, { AIWORKER_TABLE: linked.table.name, AIWORKER_QUEUE_URL: linked.queue.url }),
      ...linked.settings,
      AIWORKER_PUBLIC_URL: linked.publicUrl,
      POWERTOOLS_SERVICE_NAME: `aiworker-${fn.kind}`,
      POWERTOOLS_METRICS_NAMESPACE: 'aiworker',
      NODE_OPTIONS: nodeOptions,
    },
    // Code splitting: what core imports on first use (the SQS client, the Gitea client) goes into chunks of its
    // own, so a cold start whose request needs neither does not load them (docs/performance.md).
    nodejs: { splitting: true },
    ...extra,
  };
}
