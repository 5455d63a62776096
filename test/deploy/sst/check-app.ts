/**
 * What a run of the app through SST's real components must have made, read from infra/ and stacks/access.ts
 * (never listed by hand, so a route added to infra/ is covered at once). Returns every problem found, so a
 * test can expect none for the real stacks and some for a deliberately broken copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mcpFunction, rateExpression, sweeperFunction } from '../../../infra/functions.js';
import { queue } from '../../../infra/queue.js';
import { table } from '../../../infra/table.js';
import { accessOf, eventSourceActions, queueActions, secretsOf, tableActions } from '../../../stacks/access.js';
import { deployables, type Deployable } from '../../../stacks/deployables.js';
import type { AppRun, RecordedResource } from './run-app.js';

/** Pulumi marks secret values with a signature key; the checks want the value. */
export function unwrap(value: any): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === 'object') {
    if ('4dabf18193072939515e22adb298388d' in value) return unwrap(value.value);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrap(inner)]));
  }
  return value;
}

const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

export interface CheckOptions {
  /** The project the run was made from (handler files are looked up there). */
  root: string;
  /** The secret values given to the run (none may appear in a function's configuration). */
  secretValues: string[];
}

export interface FunctionFound {
  fn: Deployable;
  lambda: RecordedResource;
  /** The component name SST builds it under (Runtime.Build's functionID). */
  functionId: string;
  /** The links SST hands the function through Resource (Runtime.Build, or Runtime.AddTarget in sst dev). */
  links: Record<string, any>;
}

/** Every Lambda function of the run, matched to the function of infra/ whose handler it runs. */
export function functionsOf(run: AppRun): { found: FunctionFound[]; problems: string[] } {
  const problems: string[] = [];
  const byHandler = new Map(deployables().map((fn) => [`${fn.handler}.handler`, fn]));
  const targets = run.rpcCalls.filter((call) => call.method === (run.dev ? 'Runtime.AddTarget' : 'Runtime.Build')).map((call) => call.params);
  const found: FunctionFound[] = [];
  for (const lambda of run.resources.filter((r) => r.type === 'aws:lambda/function:Function')) {
    const functionId = lambda.name.replace(/Function$/, '');
    const target = targets.find((t) => t.functionID === functionId);
    if (!target) {
      problems.push(`Lambda ${lambda.name}: SST was never asked to ${run.dev ? 'run it live' : 'build it'}`);
      continue;
    }
    const fn = byHandler.get(target.handler);
    if (!fn) {
      problems.push(`Lambda ${lambda.name} runs ${target.handler}, which infra/ does not declare`);
      continue;
    }
    found.push({ fn, lambda, functionId, links: target.links ?? {} });
  }
  return { found, problems };
}

export function checkApp(run: AppRun, options: CheckOptions): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(problem);
  if (run.failure) {
    const lines = run.failure.split('\n');
    return [`the app failed: ${(lines.find((line) => /Error\b.*:/.test(line)) ?? lines[0]).trim()}`];
  }
  const resources = run.resources.map((r) => ({ ...r, inputs: unwrap(r.inputs) }));
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const { found, problems: matching } = functionsOf({ ...run, resources });
  problems.push(...matching);
  const lambdaOf = (fn: Deployable) => found.filter((f) => f.fn.handler === fn.handler);
  const production = run.stage === 'production';

  // Every function of infra/ exactly once (a REST route per route), its handler file present.
  for (const fn of deployables()) {
    const matches = lambdaOf(fn);
    if (matches.length !== 1) say(`${fn.handler}: ${matches.length} Lambda functions, expected 1`);
    if (!['.ts', '.mts', '.js', '.mjs'].some((ext) => fs.existsSync(path.join(options.root, fn.handler + ext)))) say(`${fn.handler}: no handler file`);
  }

  // REST: one HTTP API route per route of infra/, integrated with the function of that route.
  const integrations = new Map(ofType('aws:apigatewayv2/integration:Integration').map((i) => [`integrations/${i.name}-id`, i]));
  const apiRoutes = ofType('aws:apigatewayv2/route:Route');
  for (const fn of deployables().filter((d) => d.kind === 'rest')) {
    const key = `${fn.route!.method} ${fn.route!.path}`;
    const routes = apiRoutes.filter((r) => r.inputs.routeKey === key);
    if (routes.length !== 1) {
      say(`${key}: ${routes.length} API routes, expected 1`);
      continue;
    }
    const integration = integrations.get(routes[0].inputs.target);
    const target = lambdaOf(fn)[0];
    if (!integration || !target || integration.inputs.integrationUri !== lambdaArn(target.lambda.inputs.name)) say(`${key}: the API route does not invoke the function of ${fn.handler}`);
    else if (integration.inputs.payloadFormatVersion !== '2.0') say(`${key}: payload format ${integration.inputs.payloadFormatVersion}, expected 2.0`);
  }
  const declared = new Set(deployables().filter((d) => d.route).map((d) => `${d.route!.method} ${d.route!.path}`));
  for (const route of apiRoutes) if (!declared.has(route.inputs.routeKey)) say(`API route ${route.inputs.routeKey} is not in infra/routes.ts`);

  // The job queue, its DLQ and the worker's subscription.
  const queues = ofType('aws:sqs/queue:Queue');
  const jobs = queues.find((q) => q.name === 'JobsQueue');
  const deadLetter = queues.find((q) => q.name === 'JobsDeadLetterQueue');
  const arnOfQueue = (q: RecordedResource | undefined) => q && `arn:aws:sqs:us-east-1:123456789012:${q.inputs.name}`;
  if (!jobs || !deadLetter) say('the job queue or its dead-letter queue is missing');
  else {
    const redrive = jobs.inputs.redrivePolicy ? JSON.parse(jobs.inputs.redrivePolicy) : undefined;
    if (redrive?.deadLetterTargetArn !== arnOfQueue(deadLetter) || redrive?.maxReceiveCount !== queue.maxReceiveCount)
      say(`job queue redrive policy ${jobs.inputs.redrivePolicy}: expected the DLQ after ${queue.maxReceiveCount} receives`);
    if (jobs.inputs.visibilityTimeoutSeconds !== queue.visibilityTimeoutSeconds) say(`job queue visibility timeout ${jobs.inputs.visibilityTimeoutSeconds} s, expected ${queue.visibilityTimeoutSeconds}`);
    if (deadLetter.inputs.messageRetentionSeconds !== 1_209_600) say('the DLQ does not keep messages 14 days');
  }
  const worker = found.find((f) => f.fn.kind === 'worker');
  const mappings = ofType('aws:lambda/eventSourceMapping:EventSourceMapping');
  if (mappings.length !== 1) say(`${mappings.length} event source mappings, expected 1 (the worker on the job queue)`);
  for (const mapping of mappings) {
    if (mapping.inputs.eventSourceArn !== arnOfQueue(jobs)) say('the event source mapping does not read the job queue');
    if (!worker || mapping.inputs.functionName !== lambdaArn(worker.lambda.inputs.name)) say('the event source mapping does not invoke the worker');
    if (JSON.stringify(mapping.inputs.functionResponseTypes) !== '["ReportBatchItemFailures"]') say(`the worker's event source mapping has functionResponseTypes ${JSON.stringify(mapping.inputs.functionResponseTypes)}, expected ["ReportBatchItemFailures"]`);
    if (mapping.inputs.batchSize !== queue.batchSize) say(`the worker's batch size is ${mapping.inputs.batchSize}, expected ${queue.batchSize}`);
  }
  if (!run.dev && worker && worker.lambda.inputs.timeout > queue.visibilityTimeoutSeconds) say('the worker may run longer than the visibility timeout');

  // The table: keys, indexes, point-in-time recovery; retained in production.
  const tables = ofType('aws:dynamodb/table:Table');
  if (tables.length !== 1) say(`${tables.length} DynamoDB tables, expected 1`);
  const [db] = tables;
  if (db) {
    if (db.inputs.hashKey !== table.partitionKey || db.inputs.rangeKey !== table.sortKey) say(`table keys ${db.inputs.hashKey}/${db.inputs.rangeKey}, expected ${table.partitionKey}/${table.sortKey}`);
    // Each index projects what infra/table.ts says: keys only, or the keys plus the attributes it includes.
    const projectionOf = (i: any) => (i.projectionType === 'INCLUDE' ? `INCLUDE(${[...(i.nonKeyAttributes ?? [])].sort().join(',')})` : i.projectionType);
    const indexes = (db.inputs.globalSecondaryIndexes ?? []).map((i: any) => `${i.name}:${i.hashKey}/${i.rangeKey}:${projectionOf(i)}`).sort();
    const expected = table.indexes.map((i) => `${i.name}:${i.partitionKey}/${i.sortKey}:${i.include ? `INCLUDE(${[...i.include].sort().join(',')})` : 'KEYS_ONLY'}`).sort();
    if (JSON.stringify(indexes) !== JSON.stringify(expected)) say(`table indexes ${indexes.join(', ')}, expected ${expected.join(', ')}`);
    if (db.inputs.pointInTimeRecovery?.enabled !== true) say('point-in-time recovery is off');
    const retained = run.options.find((o) => o.type === db.type && o.name === db.name)?.retainOnDelete;
    if (production && !retained) say('production: the table would be deleted by sst remove');
    if (!production && retained) say(`${run.stage}: the table would outlive sst remove`);
  }
  if (production !== run.outputs?._protect) say(`${run.stage}: protect is ${run.outputs?._protect}, expected ${production}`);
  if (production !== run.app.protect || run.app.removal !== (production ? 'retain' : 'remove')) say(`${run.stage}: removal ${run.app.removal}, protect ${run.app.protect}`);

  // MCP: a function URL, open (agents bring their own token), served by the router at /mcp.
  const mcp = found.find((f) => f.fn.kind === 'mcp');
  const urls = ofType('aws:lambda/functionUrl:FunctionUrl');
  const mcpUrl = urls.find((u) => mcp && u.inputs.functionName === mcp.lambda.inputs.name);
  if (!mcpUrl) say('the MCP function has no function URL');
  else if (mcpUrl.inputs.authorizationType !== 'NONE') say(`the MCP function URL has authorization ${mcpUrl.inputs.authorizationType}`);
  if (urls.length !== 1) say(`${urls.length} function URLs, expected 1 (MCP)`);

  // One domain: the router sends /api and /.well-known to the HTTP API and /mcp to the MCP function URL.
  const routerEntries = new Map<string, string>();
  const hosts = new Map<string, string>();
  for (const r of ofType('pulumi-nodejs:dynamic:Resource')) {
    if (r.name.endsWith('.sst.aws.KvRoutesUpdate')) {
      const [kind, namespace, , pathPrefix] = String(r.inputs.entry).split(',');
      routerEntries.set(pathPrefix, `${kind}:${namespace}`);
    }
    if (r.name.endsWith('.sst.aws.KvKeys') && r.inputs.entries?.metadata) hosts.set(r.inputs.namespace, JSON.parse(r.inputs.entries.metadata).host ?? 'bucket');
  }
  const hostAt = (prefix: string) => {
    const entry = routerEntries.get(prefix);
    return entry && hosts.get(entry.split(':')[1]);
  };
  if (hostAt('/api') !== 'apiapi.execute-api.us-east-1.amazonaws.com') say(`the router sends /api to ${hostAt('/api')}, not the HTTP API`);
  if (hostAt('/.well-known') !== 'apiapi.execute-api.us-east-1.amazonaws.com') say(`the router sends /.well-known to ${hostAt('/.well-known')}, not the HTTP API (the board would answer an MCP client's OAuth probe with HTML)`);
  if (hostAt(mcpFunction.path) !== 'mcpurl.lambda-url.us-east-1.on.aws') say(`the router sends ${mcpFunction.path} to ${hostAt(mcpFunction.path)}, not the MCP function URL`);
  if (run.outputs && !String(run.outputs.mcp).endsWith(mcpFunction.path)) say(`the mcp output ${run.outputs.mcp} is not on the router`);
  // The board's static build at / (once its package exists; `sst dev` runs it locally instead of deploying it).
  if (fs.existsSync(path.join(options.root, 'packages/board/package.json')) && !run.dev) {
    if (!routerEntries.get('')?.startsWith('site:')) say('the router does not serve the board at /');
    const uploads = resources.find((r) => r.name.endsWith('.sst.aws.BucketFiles') && r.name.startsWith('Board'));
    if (!uploads) say('the board build is not uploaded');
  }

  // The sweeper on its schedule.
  const sweeper = found.find((f) => f.fn.kind === 'sweeper');
  const schedules = ofType('aws:scheduler/schedule:Schedule');
  const schedule = schedules.find((s) => sweeper && s.inputs.target?.arn === lambdaArn(sweeper.lambda.inputs.name));
  if (!schedule) say('nothing runs the sweeper on a schedule');
  else if (schedule.inputs.scheduleExpression !== rateExpression(sweeperFunction.scheduleMinutes) || schedule.inputs.state !== 'ENABLED')
    say(`the sweeper runs on ${schedule.inputs.scheduleExpression} (${schedule.inputs.state}), expected ${rateExpression(sweeperFunction.scheduleMinutes)}`);

  // IAM: each function may do exactly what access.ts says, on our table and queue only.
  const roles = new Map(ofType('aws:iam/role:Role').map((r) => [`arn:aws:iam::123456789012:role/${r.inputs.name}`, r]));
  const tableArn = db && `arn:aws:dynamodb:us-east-1:123456789012:table/${db.inputs.name}`;
  for (const f of found) {
    const role = roles.get(f.lambda.inputs.role);
    const name = f.fn.handler;
    if (!role) {
      say(`${name}: no role of its own`);
      continue;
    }
    const managed = role.inputs.managedPolicyArns ?? [];
    if (JSON.stringify(managed) !== JSON.stringify(['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'])) say(`${name}: managed policies ${managed.join(', ')}`);
    const statements: any[] = (role.inputs.inlinePolicies ?? []).flatMap((p: any) => JSON.parse(p.policy).statements ?? []);
    const uses = accessOf(f.fn);
    const allowed = new Map<string, Set<string>>();
    const allow = (resource: string | undefined, actions: readonly string[]) => {
      if (!resource) return;
      const set = allowed.get(resource) ?? new Set<string>();
      for (const a of actions) set.add(a);
      allowed.set(resource, set);
    };
    if (uses.includes('table')) for (const r of [tableArn, `${tableArn}/index/*`]) allow(r, tableActions);
    if (uses.includes('queue')) allow(arnOfQueue(jobs), queueActions[f.fn.kind]);
    if (f.fn.kind === 'worker') allow(arnOfQueue(jobs), eventSourceActions);
    if (run.dev) {
      // sst dev's bridge functions also talk to SST's AppSync endpoint and asset bucket.
      allow('*', ['appsync:*']);
      allow('arn:aws:s3:::sst-asset-bucket', ['s3:*']);
      allow('arn:aws:s3:::sst-asset-bucket/*', ['s3:*']);
    }
    const granted = new Map<string, Set<string>>();
    for (const statement of statements) {
      if (statement.effect !== 'Allow') continue;
      for (const resource of statement.resources ?? []) {
        for (const action of statement.actions ?? []) {
          if (action === 'dynamodb:Scan' || (action.endsWith('*') && !run.dev)) say(`${name}: may ${action} on ${resource}`);
          else if (!allowed.get(resource)?.has(action)) say(`${name}: may ${action} on ${resource}, which access.ts does not give it`);
          const set = granted.get(resource) ?? new Set<string>();
          set.add(action);
          granted.set(resource, set);
        }
      }
    }
    for (const resource of ['table', 'queue'] as const) {
      if (!uses.includes(resource)) continue;
      const arn = resource === 'table' ? tableArn : arnOfQueue(jobs);
      const needed = resource === 'table' ? tableActions : queueActions[f.fn.kind];
      const missing = needed.filter((action) => !granted.get(arn!)?.has(action));
      if (missing.length) say(`${name}: may not ${missing.join(', ')} on the ${resource}`);
    }

    // Secrets: exactly the ones access.ts gives it, through Resource, never in its configuration.
    const linkedSecrets = Object.entries(f.links).filter(([, link]) => String(link.type).endsWith('sst.sst.Secret')).map(([secretName]) => secretName).sort();
    const expectedSecrets = [...secretsOf(f.fn)].sort();
    if (JSON.stringify(linkedSecrets) !== JSON.stringify(expectedSecrets)) say(`${name}: can read the secrets [${linkedSecrets.join(', ')}], expected [${expectedSecrets.join(', ')}]`);
    const configuration = JSON.stringify(f.lambda.inputs.environment ?? {});
    for (const value of options.secretValues) if (configuration.includes(value)) say(`${name}: a secret value sits in its environment`);
  }
  return problems;
}
