import { mcpFunction, sweeperFunction } from '../infra/functions.js';
import { queue } from '../infra/queue.js';
import { routes, type RouteDefinition } from '../infra/routes.js';

/** Lambda's Node.js runtime (the tests and `npm start` run on Node 22 too: .ci/run installs it when the machine's is older). */
export const runtime = 'nodejs22.x' as const;

/**
 * Node's options for every function (NODE_OPTIONS): AsyncLocalStorage on async context frames, Node 24's default
 * and behind this flag on 22. Core keeps a request's correlation id and its retry budget in AsyncLocalStorage;
 * on 22's default implementation (async hooks) every promise of the request pays for that, about 1 µs an
 * await, and a cold first request makes thousands of SDK promises: 13–17 ms of `tasks/delete`'s and the board's
 * in a section run (docs/performance.md).
 */
export const nodeOptions = '--experimental-async-context-frame';

/** What a function is for; decides which resources it is linked to (see access.ts). */
export type FunctionKind = 'rest' | 'mcp' | 'worker' | 'sweeper';

/** One Lambda function to build and deploy, read from infra/ (never listed by hand). */
export interface Deployable {
  /** A short unique name, e.g. `api-tasks-get`, used for bundle folders and LocalStack function names. */
  id: string;
  kind: FunctionKind;
  /** The handler module, relative to the project root, without extension (exports `handler`). */
  handler: string;
  /** The REST route it serves, for `rest` functions. */
  route?: RouteDefinition;
}

/** `functions/api/tasks/get` → `api-tasks-get`. */
export const deployableId = (handler: string) => handler.replace(/^functions\//, '').replace(/\//g, '-');

/** Every function of the system: one per REST route, the MCP function, the queue worker and the sweeper. */
export function deployables(routeTable: RouteDefinition[] = routes): Deployable[] {
  return [
    ...routeTable.map((route): Deployable => ({ id: deployableId(route.handler), kind: 'rest', handler: route.handler, route })),
    { id: deployableId(mcpFunction.handler), kind: 'mcp', handler: mcpFunction.handler },
    { id: deployableId(queue.worker), kind: 'worker', handler: queue.worker },
    { id: deployableId(sweeperFunction.handler), kind: 'sweeper', handler: sweeperFunction.handler },
  ];
}
