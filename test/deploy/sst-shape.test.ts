/**
 * The `sst` CLI cannot run here, so this checks the SHAPE of what sst.config.ts and stacks/ declare
 * (evaluated with a recording stand-in for SST's globals), not a deployment.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mcpFunction, sweeperFunction } from '../../infra/functions.js';
import { queue } from '../../infra/queue.js';
import { routes, type RouteDefinition } from '../../infra/routes.js';
import { projectRoot } from '../../scripts/build.js';
import { checkStackShape } from './shape-check.js';
import { evaluateSstConfig, refOf, type EvaluatedConfig } from './sst-stand-in.js';

const GITEA_URL = 'https://gitea.example.test';
let evaluated: EvaluatedConfig;

beforeAll(async () => {
  process.env.GITEA_URL = GITEA_URL;
  evaluated = await evaluateSstConfig();
});

const functionsLinkedTo = (secret: string) => {
  const { recording } = evaluated;
  const all = [
    ...recording.routes.map((route) => ({ name: route.key, args: route.handler })),
    ...recording.subscriptions.map((subscription) => ({ name: `subscriber of ${subscription.queue}`, args: subscription.subscriber })),
    ...recording.components.filter((c) => c.type === 'Function').map((c) => ({ name: c.ref, args: c.args })),
    ...recording.components.filter((c) => c.type === 'Cron').map((c) => ({ name: c.ref, args: c.args.function })),
  ];
  return all.filter((fn) => (fn.args.link ?? []).some((link: unknown) => refOf(link) === `Secret:${secret}`)).map((fn) => fn.name);
};

describe('SST stacks (shape, not a deployment)', () => {
  it('declare exactly what infra/ describes, with every handler file present', () => {
    expect(checkStackShape({ ...evaluated, routes, root: projectRoot })).toEqual([]);
  });

  it('give every REST route of infra/ exactly one API route whose handler file exports `handler`', () => {
    for (const route of routes) {
      const declared = evaluated.recording.routes.filter((entry) => entry.key === `${route.method} ${route.path}`);
      expect(declared, `${route.method} ${route.path}`).toHaveLength(1);
      expect(declared[0].handler.handler).toBe(`${route.handler}.handler`);
    }
    expect(evaluated.recording.routes).toHaveLength(routes.length);
  });

  it('subscribe the worker to the job queue with partial batch responses and the DLQ set', () => {
    const jobs = evaluated.recording.components.find((c) => c.ref === 'Queue:Jobs')!;
    expect(jobs.args.dlq).toEqual({ queue: 'Queue:JobsDeadLetter.arn', retry: queue.maxReceiveCount });
    expect(evaluated.recording.subscriptions).toHaveLength(1);
    const [subscription] = evaluated.recording.subscriptions;
    expect(subscription.queue).toBe('Queue:Jobs');
    expect(subscription.subscriber.handler).toBe(`${queue.worker}.handler`);
    expect(subscription.args.batch).toEqual({ size: queue.batchSize, partialResponses: true });
    expect(subscription.subscriber.environment).toMatchObject({ GITEA_URL, GITEA_TOKEN: 'Secret:GiteaToken.value', AIWORKER_QUEUE_URL: 'Queue:Jobs.url' });
  });

  it('link each secret only where it is used', () => {
    expect(functionsLinkedTo('GiteaToken')).toEqual(['subscriber of Queue:Jobs']);
    expect(functionsLinkedTo('AdminToken').sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    expect(functionsLinkedTo('WebhookSecret')).toEqual([]);
  });

  it('give the MCP function a URL, run the sweeper on its schedule, and output both URLs', () => {
    const mcp = evaluated.recording.components.find((c) => c.type === 'Function' && c.args.handler === `${mcpFunction.handler}.handler`)!;
    expect(mcp.args.url).toBe(true);
    const cron = evaluated.recording.components.find((c) => c.type === 'Cron')!;
    expect(cron.args.schedule).toBe(`rate(${sweeperFunction.scheduleMinutes} minute${sweeperFunction.scheduleMinutes === 1 ? '' : 's'})`);
    expect(evaluated.outputs).toEqual({ api: 'ApiGatewayV2:Api.url', mcp: `${mcp.ref}.url` });
  });

  it('retain and protect production, and let personal stages be removed', () => {
    expect(evaluated.app.production).toMatchObject({ name: 'aiworker', removal: 'retain', protect: true, home: 'aws' });
    expect(evaluated.app.dev).toMatchObject({ removal: 'remove', protect: false });
  });
});

describe('the shape check', () => {
  const fake: RouteDefinition = { method: 'GET', path: '/api/not-built-yet', handler: 'functions/api/not-built-yet', auth: 'admin', summary: 'No handler file' };
  afterEach(() => {
    const index = routes.indexOf(fake);
    if (index >= 0) routes.splice(index, 1);
  });

  it('fails when a route is added to infra/ without a handler file', async () => {
    routes.push(fake);
    const withFake = await evaluateSstConfig();
    const problems = checkStackShape({ ...withFake, routes, root: projectRoot });
    expect(problems).toContainEqual('GET /api/not-built-yet: handler file functions/api/not-built-yet.ts does not exist');
  });

  it('fails when infra/ has a route the stack does not declare', () => {
    const problems = checkStackShape({ ...evaluated, routes: [...routes, fake], root: projectRoot });
    expect(problems).toContainEqual('no API route for GET /api/not-built-yet; expected exactly one');
    expect(problems).toContainEqual('GET /api/not-built-yet: handler file functions/api/not-built-yet.ts does not exist');
  });

  it('fails when a handler file exists but does not export `handler`', () => {
    const notAHandler: RouteDefinition = { ...fake, path: '/api/json', handler: 'functions/lib/json' };
    const problems = checkStackShape({ ...evaluated, routes: [...routes, notAHandler], root: projectRoot });
    expect(problems).toContainEqual('GET /api/json: handler file functions/lib/json.ts does not export `handler`');
  });
});
