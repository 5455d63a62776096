import { secrets } from '../infra/functions.js';
import { access, environmentFor } from './access.js';
import { deployables, type Deployable, type FunctionKind } from './deployables.js';

/** The linkable resources of the app, created once in sst.config.ts and handed to each stack. */
export interface Linked {
  table: SstDynamo;
  queue: SstQueue;
  adminToken: SstSecret;
  giteaToken: SstSecret;
  webhookSecret: SstSecret;
  /** Not a secret: the Gitea base URL, taken from GITEA_URL when deploying. */
  giteaUrl: string;
}

/** Lambda's Node.js runtime (the handlers are tested on Node 20 locally and run on 22 in AWS). */
export const runtime = 'nodejs22.x' as const;

/** The one function of a kind that is not a REST route (mcp, worker, sweeper). */
export function deployableOf(kind: Exclude<FunctionKind, 'rest'>): Deployable {
  const found = deployables().find((fn) => fn.kind === kind);
  if (!found) throw new Error(`infra/ declares no ${kind} function`);
  return found;
}

/**
 * SST FunctionArgs for one function: `handler` as `path/file.handler`, runtime, `link` (which grants
 * IAM access to exactly the linked resources — sst.dev/docs/component/aws/function, "link"), and
 * `environment` with the variable names packages/core/src/config.ts reads, valued from the linked
 * resources (`Dynamo.name`, `Queue.url`, `Secret.value`). Secret values passed this way sit in the
 * function's configuration, readable by whoever may read that; the core reads plain env vars, so
 * no code change is needed to run under SST.
 */
export function functionArgs(fn: Deployable, linked: Linked, extra: Partial<SstFunctionArgs> = {}): SstFunctionArgs {
  const uses = access[fn.kind];
  return {
    handler: `${fn.handler}.handler`,
    runtime,
    link: uses.map((resource) => linked[resource]),
    environment: environmentFor<unknown>(uses, {
      AIWORKER_TABLE: linked.table.name,
      AIWORKER_QUEUE_URL: linked.queue.url,
      [secrets.adminToken]: linked.adminToken.value,
      [secrets.giteaToken]: linked.giteaToken.value,
      GITEA_URL: linked.giteaUrl,
      [secrets.webhookSecret]: linked.webhookSecret.value,
    }),
    ...extra,
  };
}
