/**
 * Checks what sst.config.ts declared (as recorded by the stand-in) against infra/ and the files on disk.
 * Returns the problems found, each naming what is wrong; an empty list means the shape is right.
 * This checks shape, not a deployment: nothing here talks to AWS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mcpFunction, sweeperFunction } from '../../infra/functions.js';
import { queue as queueDefinition } from '../../infra/queue.js';
import type { RouteDefinition } from '../../infra/routes.js';
import { table, tableAttributes } from '../../infra/table.js';
import { refOf, type EvaluatedConfig, type RecordedComponent } from './sst-stand-in.js';

type FunctionKind = 'rest' | 'mcp' | 'worker' | 'sweeper';

/**
 * Who may be linked to what, stated here independently of stacks/access.ts so the check is not
 * circular: secrets only where used, the queue only where jobs are sent or consumed.
 */
const expectedLinks: Record<FunctionKind, string[]> = {
  rest: ['Table', 'Jobs', 'AdminToken'],
  mcp: ['Table', 'Jobs'],
  worker: ['Table', 'Jobs', 'GiteaToken'],
  sweeper: ['Table'],
};

/** Each environment variable, and the output of the linked component it must come from. */
const environmentSources: Record<string, { component: string; output: string }> = {
  AIWORKER_TABLE: { component: 'Table', output: 'name' },
  AIWORKER_QUEUE_URL: { component: 'Jobs', output: 'url' },
  AIWORKER_ADMIN_TOKEN: { component: 'AdminToken', output: 'value' },
  GITEA_TOKEN: { component: 'GiteaToken', output: 'value' },
  AIWORKER_WEBHOOK_SECRET: { component: 'WebhookSecret', output: 'value' },
};

const EXPORTS_HANDLER = /export\s+(?:const|let|var|async\s+function|function)\s+handler\b|export\s*\{[^}]*\bhandler\b[^}]*\}/;

/** Problems with an SST handler string `functions/api/health.handler`: its file must exist and export `handler`. */
export function handlerFileProblems(handler: unknown, root: string): string[] {
  if (typeof handler !== 'string' || !handler.endsWith('.handler')) return [`handler ${JSON.stringify(handler)} is not "<file>.handler"`];
  const module = handler.slice(0, -'.handler'.length);
  const file = ['.ts', '.js', '.mjs'].map((ext) => `${module}${ext}`).find((candidate) => existsSync(join(root, candidate)));
  if (!file) return [`handler file ${module}.ts does not exist`];
  if (!EXPORTS_HANDLER.test(readFileSync(join(root, file), 'utf8'))) return [`handler file ${file} does not export \`handler\``];
  return [];
}

/** Problems with one function's args: handler file, runtime, links and environment. */
function functionProblems(label: string, kind: FunctionKind, args: SstFunctionArgs | string | undefined, root: string): string[] {
  if (!args || typeof args === 'string') return [`${label}: give FunctionArgs (handler, runtime, link, environment), not ${JSON.stringify(args)}`];
  const problems = handlerFileProblems(args.handler, root).map((problem) => `${label}: ${problem}`);
  if (args.runtime !== 'nodejs22.x') problems.push(`${label}: runtime is ${args.runtime}, expected nodejs22.x`);

  const linked = (args.link ?? []).map((link) => refOf(link).split(':')[1]).sort();
  const expected = [...expectedLinks[kind]].sort();
  if (JSON.stringify(linked) !== JSON.stringify(expected)) problems.push(`${label}: linked to [${linked.join(', ')}], expected [${expected.join(', ')}]`);

  const environment = args.environment ?? {};
  for (const [variable, source] of Object.entries(environmentSources)) {
    const shouldHave = expected.includes(source.component);
    const value = environment[variable];
    if (shouldHave && (typeof value !== 'string' || !value.endsWith(`:${source.component}.${source.output}`))) {
      problems.push(`${label}: ${variable} should be ${source.component}.${source.output}, got ${JSON.stringify(value)}`);
    }
    if (!shouldHave && variable in environment) problems.push(`${label}: must not get ${variable}`);
  }
  // No secret may reach a function through any other variable either.
  for (const [variable, value] of Object.entries(environment)) {
    const secret = typeof value === 'string' && /^Secret:(\w+)\.value$/.exec(value)?.[1];
    if (secret && !expected.includes(secret)) problems.push(`${label}: gets secret ${secret} through ${variable}`);
  }
  return problems;
}

export interface ShapeInput extends EvaluatedConfig {
  /** The route table the stack should serve (infra/routes.ts, or a variant of it). */
  routes: RouteDefinition[];
  /** Project root the handler files are looked up in. */
  root: string;
}

export function checkStackShape({ routes, recording, outputs, app, root }: ShapeInput): string[] {
  const problems: string[] = [];
  const components = (type: string) => recording.components.filter((component) => component.type === type);
  const named = (ref: string): RecordedComponent | undefined => recording.components.find((component) => component.ref === ref);

  // App: personal stages removable, production retained and protected.
  if (app.production.removal !== 'retain' || app.production.protect !== true) problems.push('production stage must be retained and protected');
  if (app.dev.removal !== 'remove' || app.dev.protect) problems.push('personal stages must be removable and unprotected');
  if (app.dev.name !== 'aiworker' || app.dev.home !== 'aws') problems.push('app must be named aiworker with home aws');

  // Table: keys and indexes from infra/table.ts.
  const tables = components('Dynamo');
  if (tables.length !== 1 || tables[0].name !== 'Table') problems.push(`expected one Dynamo named Table, found ${tables.map((t) => t.name).join(', ') || 'none'}`);
  else {
    const args = tables[0].args;
    const fields = Object.fromEntries(tableAttributes.map((name) => [name, 'string']));
    if (JSON.stringify(args.fields) !== JSON.stringify(fields)) problems.push(`table fields ${JSON.stringify(args.fields)} differ from infra/table.ts`);
    if (args.primaryIndex?.hashKey !== table.partitionKey || args.primaryIndex?.rangeKey !== table.sortKey) problems.push('table primary index differs from infra/table.ts');
    for (const index of table.indexes) {
      const declared = args.globalIndexes?.[index.name];
      if (declared?.hashKey !== index.partitionKey || declared?.rangeKey !== index.sortKey) problems.push(`global index ${index.name} differs from infra/table.ts`);
    }
    if (Object.keys(args.globalIndexes ?? {}).length !== table.indexes.length) problems.push('table has global indexes that infra/table.ts does not declare');
  }

  // Secrets exist (their use is checked per function below).
  for (const secret of ['GiteaToken', 'AdminToken', 'WebhookSecret']) if (!named(`Secret:${secret}`)) problems.push(`secret ${secret} is not defined`);

  // Queue + DLQ with the receive limit, consumed by the worker with partial batch responses.
  const jobs = named('Queue:Jobs');
  if (!jobs) problems.push('no Queue named Jobs');
  else {
    const dlq = jobs.args?.dlq;
    const dlqRef = typeof dlq?.queue === 'string' ? dlq.queue.replace(/\.arn$/, '') : undefined;
    if (!dlqRef || !dlq.queue.endsWith('.arn') || named(dlqRef)?.type !== 'Queue' || dlqRef === jobs.ref) problems.push('the job queue has no dead-letter queue (dlq.queue = <another queue>.arn)');
    if (dlq?.retry !== queueDefinition.maxReceiveCount) problems.push(`DLQ retry is ${dlq?.retry}, expected maxReceiveCount ${queueDefinition.maxReceiveCount}`);
    if (jobs.args?.visibilityTimeout !== `${queueDefinition.visibilityTimeoutSeconds} seconds`) problems.push(`visibility timeout is ${jobs.args?.visibilityTimeout}`);
    const subscriptions = recording.subscriptions.filter((subscription) => subscription.queue === jobs.ref);
    if (subscriptions.length !== 1) problems.push(`the job queue has ${subscriptions.length} subscribers, expected the worker alone`);
    for (const subscription of subscriptions) {
      if (subscription.subscriber?.handler !== `${queueDefinition.worker}.handler`) problems.push(`the queue subscriber is ${subscription.subscriber?.handler}, expected ${queueDefinition.worker}.handler`);
      problems.push(...functionProblems('worker', 'worker', subscription.subscriber, root));
      const batch = subscription.args?.batch;
      if (batch?.partialResponses !== true) problems.push('the worker must subscribe with batch.partialResponses: true');
      if (batch?.size !== queueDefinition.batchSize) problems.push(`worker batch size is ${batch?.size}, expected ${queueDefinition.batchSize}`);
    }
  }
  for (const subscription of recording.subscriptions) if (subscription.queue !== jobs?.ref) problems.push(`unexpected subscriber on ${subscription.queue}`);

  // HTTP API: exactly one route per infra route, each with an existing handler file.
  const apis = components('ApiGatewayV2');
  if (apis.length !== 1) problems.push(`expected one ApiGatewayV2, found ${apis.length}`);
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const declared = recording.routes.filter((candidate) => candidate.key === key);
    if (declared.length !== 1) {
      problems.push(`${declared.length ? `${declared.length} API routes` : 'no API route'} for ${key}; expected exactly one`);
      if (!declared.length) problems.push(...handlerFileProblems(`${route.handler}.handler`, root).map((problem) => `${key}: ${problem}`));
    }
    for (const entry of declared) {
      if (entry.handler?.handler !== `${route.handler}.handler`) problems.push(`${key}: handler is ${entry.handler?.handler}, infra says ${route.handler}.handler`);
      problems.push(...functionProblems(key, 'rest', entry.handler, root));
    }
  }
  for (const entry of recording.routes) {
    if (!routes.some((route) => `${route.method} ${route.path}` === entry.key)) problems.push(`API route ${entry.key} is not in infra/routes.ts`);
  }

  // MCP: its own function with a URL.
  const mcps = components('Function').filter((fn) => fn.args?.handler === `${mcpFunction.handler}.handler`);
  if (mcps.length !== 1) problems.push(`expected one Function for ${mcpFunction.handler}, found ${mcps.length}`);
  for (const mcp of mcps) {
    if (mcp.args.url !== true) problems.push('the MCP function needs a function URL (url: true)');
    problems.push(...functionProblems('mcp', 'mcp', mcp.args, root));
  }

  // Sweeper on its schedule.
  const crons = components('Cron');
  const minutes = sweeperFunction.scheduleMinutes;
  const schedule = `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
  if (crons.length !== 1) problems.push(`expected one Cron (the sweeper), found ${crons.length}`);
  for (const cron of crons) {
    if (cron.args?.schedule !== schedule) problems.push(`sweeper schedule is ${cron.args?.schedule}, expected ${schedule}`);
    if (cron.args?.function?.handler !== `${sweeperFunction.handler}.handler`) problems.push(`the Cron runs ${cron.args?.function?.handler}, expected ${sweeperFunction.handler}.handler`);
    problems.push(...functionProblems('sweeper', 'sweeper', cron.args?.function, root));
  }

  // Outputs: where to reach the API and the MCP function.
  if (apis[0] && outputs.api !== `${apis[0].ref}.url`) problems.push(`output api is ${JSON.stringify(outputs.api)}, expected the API's url`);
  if (mcps[0] && outputs.mcp !== `${mcps[0].ref}.url`) problems.push(`output mcp is ${JSON.stringify(outputs.mcp)}, expected the MCP function's url`);

  return problems;
}
