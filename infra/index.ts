/**
 * @aiworker/infra: the deployment as plain data (table, routes, queue, functions), imported by name
 * (`@aiworker/infra/table`, …) by core, the local runtime and the handlers; the SST stacks, the scripts and
 * the tests at the project root import it by path.
 */
export * from './table.js';
export * from './routes.js';
export * from './queue.js';
export * from './functions.js';
