/**
 * The SST app checked against SST's real components: the pinned platform (scripts/sst-platform.ts, cached in
 * .sst/platform) type-checks sst.config.ts and stacks/, then runs them through SST's own `run()` under Pulumi's
 * mocks for a personal stage, `sst dev` and production, and test/deploy/sst/check-app.ts reads the resources
 * SST made against infra/ and stacks/access.ts. Broken copies of the stacks show the check fails.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { deployables, nodeOptions } from '../../stacks/deployables.js';
import { ensurePlatform, projectRoot } from '../../scripts/sst-platform.js';
import { ensureBoardBuilt } from '../../packages/local/src/board-build.js';
import { checkApp, functionsOf, unwrap } from './sst/check-app.js';
import { brokenCopy, type Mistake } from './sst/mutate.js';
import { runApp, type AppRun } from './sst/run-app.js';

const exec = promisify(execFile);
const secretValues = { AdminToken: 'adm_sst_check_0123456789', GiteaToken: 'gitea_sst_check_0123456789', WebhookSecret: 'whsec_sst_check_0123456789', GiteaClientSecret: 'gcs_sst_check_0123456789' };
// What `sst deploy` hands the program: each secret set with `sst secret set` as SST_SECRET_<Name>, and the stage settings.
const env: Record<string, string> = {
  ...Object.fromEntries(Object.entries(secretValues).map(([name, value]) => [`SST_SECRET_${name}`, value])),
  GITEA_URL: 'https://gitea.example.test',
  AIWORKER_ALARM_EMAIL: 'ops@example.test',
};
const check = (run: AppRun, root = projectRoot) => checkApp(run, { root, secretValues: Object.values(secretValues) });

const runs: Record<'personal' | 'dev' | 'production' | 'fleet', AppRun> = {} as never;
// A stage with two agent runners on Fargate (stacks/runners.ts), their tokens set as SST secrets.
const runnerSecrets = { RunnerAgentTokens: 'agt_runner_one_0123456789,agt_runner_two_0123456789', RunnerGiteaToken: 'gitea_runner_0123456789', RunnerModelKey: 'sk-model-0123456789' };
const fleetEnv = {
  ...env,
  ...Object.fromEntries(Object.entries(runnerSecrets).map(([name, value]) => [`SST_SECRET_${name}`, value])),
  AIWORKER_RUNNERS: '2',
  AIWORKER_RUNNER_COMMAND: 'claude -p --permission-mode acceptEdits',
  AIWORKER_RUNNER_CLIS: '@anthropic-ai/claude-code',
  AIWORKER_RUNNER_ALLOW_HOSTS: 'api.anthropic.com',
};

beforeAll(async () => {
  ensurePlatform();
  // sst deploy builds the board itself (StaticSite's build command); under mocks that command does not run,
  // so its output must be there, as `npm start` makes it.
  ensureBoardBuilt();
  runs.personal = await runApp({ stage: 'alice', env });
  runs.dev = await runApp({ stage: 'alice', dev: true, env });
  runs.production = await runApp({ stage: 'production', env });
  runs.fleet = await runApp({ stage: 'fleet', env: fleetEnv });
}, 600_000);

describe('the SST app, through SST’s real components', () => {
  it('type-checks against SST’s real types', async () => {
    const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await exec(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.sst.json'], { cwd: projectRoot }).catch((error) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`.trim()).toBe('');
  }, 180_000);

  it.each(['personal', 'dev', 'production'] as const)('makes what infra/ and access.ts describe (%s)', (which) => {
    expect(check(runs[which])).toEqual([]);
  });

  it('gives every route of infra/ an API route and a function of its own, and builds every function', () => {
    const run = runs.personal;
    const apiRoutes = run.resources.filter((r) => r.type === 'aws:apigatewayv2/route:Route').map((r) => r.inputs.routeKey).sort();
    expect(apiRoutes).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    const built = run.rpcCalls.filter((call) => call.method === 'Runtime.Build').map((call) => call.params.handler).sort();
    expect(built).toEqual(deployables().map((fn) => `${fn.handler}.handler`).sort());
    // In sst dev every function is a bridge to the developer's machine, each registered to run live.
    const live = runs.dev.rpcCalls.filter((call) => call.method === 'Runtime.AddTarget').map((call) => call.params.handler).sort();
    expect(live).toEqual(built);
    expect(runs.dev.rpcCalls.filter((call) => call.method === 'Runtime.Build')).toEqual([]);
  });

  it('lets each function read only its secrets, through SST’s Resource', async () => {
    const { found } = functionsOf(runs.personal);
    const readable = (handler: string) => Object.keys(found.find((f) => f.fn.handler === handler)!.links).sort();
    expect(readable('functions/api/tasks/get')).toEqual(['AdminToken']);
    expect(readable('functions/api/webhooks/gitea')).toEqual(['AdminToken', 'WebhookSecret']);
    expect(readable('functions/api/auth/gitea-callback')).toEqual(['AdminToken', 'GiteaClientSecret']);
    expect(readable('functions/worker/handler')).toEqual(['GiteaToken', 'WebhookSecret']);
    expect(readable('functions/mcp/handler')).toEqual([]);
    expect(readable('functions/sweeper/handler')).toEqual([]);

    // What the bundle carries, read back by the sst package's own Resource as a deployed function does it.
    const rest = found.find((f) => f.fn.kind === 'rest')!;
    const variables = unwrap(rest.lambda.inputs.environment).variables;
    expect(variables.NODE_OPTIONS).toBe(nodeOptions);
    const bundle = runs.personal.rpcCalls.find((call) => call.method === 'Runtime.Build' && call.params.functionID === rest.functionId)!;
    const out = path.join(runs.personal.work, 'artifacts', `${rest.functionId}-src`);
    void bundle;
    const script = "const { Resource } = await import('sst/resource'); console.log(JSON.stringify({ admin: Resource.AdminToken.value, gitea: 'GiteaToken' in Resource, app: Resource.App }))";
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, SST_KEY: variables.SST_KEY, SST_KEY_FILE: path.join(out, variables.SST_KEY_FILE), SST_RESOURCE_App: variables.SST_RESOURCE_App },
    });
    expect(JSON.parse(stdout)).toEqual({ admin: secretValues.AdminToken, gitea: false, app: { name: 'aiworker', stage: 'alice' } });
  });

  it('sends alarms to the topic whose subscription is a stage setting', () => {
    const alarms = runs.production.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm');
    expect(alarms.map((a) => a.name).sort()).toEqual(['Api5xxAlarm', 'DeadLettersAlarm', 'WorkerErrorsAlarm']);
    const topic = runs.production.resources.find((r) => r.type === 'aws:sns/topic:Topic')!;
    for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([`arn:aws:sns:us-east-1:123456789012:${topic.inputs.name}`]);
    const subscriptions = runs.production.resources.filter((r) => r.type === 'aws:sns/topicSubscription:TopicSubscription');
    expect(subscriptions.map((s) => unwrap(s.inputs)).map(({ protocol, endpoint }) => ({ protocol, endpoint }))).toEqual([{ protocol: 'email', endpoint: 'ops@example.test' }]);
  });

  it('runs no runner unless the stage asks for them', () => {
    for (const which of ['personal', 'dev', 'production'] as const) expect(runs[which].resources.filter((r) => r.type.startsWith('aws:ecs/'))).toEqual([]);
  });

  it('runs AIWORKER_RUNNERS runners on Fargate, each one agent with its own token, the tokens never in plain text', () => {
    const run = runs.fleet;
    expect(check(run)).toEqual([]);
    const of = (type: string) => run.resources.filter((r) => r.type === type).map((r) => ({ ...r, inputs: unwrap(r.inputs) }));
    expect(of('aws:ecs/cluster:Cluster')).toHaveLength(1);
    const services = of('aws:ecs/service:Service');
    expect(services.map((s) => ({ launchType: s.inputs.launchType, desiredCount: s.inputs.desiredCount }))).toEqual([
      { launchType: 'FARGATE', desiredCount: 1 },
      { launchType: 'FARGATE', desiredCount: 1 },
    ]);

    // Each container: the runner image, the MCP URL and command in its environment, its secrets from Secrets Manager.
    expect(of('aws:secretsmanager/secret:Secret').map((r) => r.name)).toEqual(['RunnerSecrets']);
    const containers = of('aws:ecs/taskDefinition:TaskDefinition').map((t) => JSON.parse(t.inputs.containerDefinitions)[0]);
    expect(containers).toHaveLength(2);
    containers.forEach((container, i) => {
      const environment = Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
      expect(environment).toMatchObject({ AIWORKER_AGENT_COMMAND: fleetEnv.AIWORKER_RUNNER_COMMAND, AIWORKER_PASS_ENV: 'ANTHROPIC_API_KEY', AIWORKER_SANDBOX_HOSTS: 'api.anthropic.com', GITEA_URL: env.GITEA_URL, AIWORKER_MCP_URL: expect.stringMatching(/^https:\/\/.*\/mcp$/) });
      const secrets = Object.fromEntries(container.secrets.map((e: { name: string; valueFrom: string }) => [e.name, e.valueFrom]));
      expect(secrets).toEqual({ AIWORKER_AGENT_TOKEN: expect.stringMatching(new RegExp(`:agent${i + 1}::$`)), GITEA_TOKEN: expect.stringMatching(/:giteaToken::$/), ANTHROPIC_API_KEY: expect.stringMatching(/:modelKey::$/) });
    });
    // The secret's value holds one token per runner; no other resource carries a token.
    const version = of('aws:secretsmanager/secretVersion:SecretVersion')[0];
    expect(JSON.parse(version.inputs.secretString)).toEqual({ agent1: 'agt_runner_one_0123456789', agent2: 'agt_runner_two_0123456789', giteaToken: runnerSecrets.RunnerGiteaToken, modelKey: runnerSecrets.RunnerModelKey });
    // (SST keeps each secret's value, marked secret, in its own link record, sst:sst:LinkRef, as for every sst.Secret.)
    const elsewhere = JSON.stringify(run.resources.filter((r) => !['aws:secretsmanager/secretVersion:SecretVersion', 'sst:sst:Secret', 'sst:sst:LinkRef'].includes(r.type)));
    for (const token of Object.values(runnerSecrets).flatMap((value) => value.split(','))) expect(elsewhere).not.toContain(token);

    // The image: packages/agent/Dockerfile, its coding CLIs from the build argument.
    const images = run.resources.filter((r) => /docker.*Image/i.test(r.type)).map((r) => unwrap(r.inputs));
    expect(images).toHaveLength(2);
    for (const image of images) expect(JSON.stringify(image)).toContain('packages/agent/Dockerfile');
    expect(JSON.stringify(images[0])).toContain('@anthropic-ai/claude-code');
  });

  it('fails a stage with more runners than agent tokens, saying so', async () => {
    const run = await runApp({ stage: 'carol', env: { ...fleetEnv, AIWORKER_RUNNERS: '3' } });
    expect(run.failure).toMatch(/RunnerAgentTokens holds 2 agent token\(s\); AIWORKER_RUNNERS=3 needs 3/);
  }, 120_000);

  it('fails a deploy whose secret has not been set', async () => {
    const { SST_SECRET_GiteaToken: _unset, ...withoutGiteaToken } = env;
    const run = await runApp({ stage: 'bob', env: withoutGiteaToken });
    expect(run.failure).toMatch(/GiteaToken/);
  }, 120_000);
});

describe('the check itself', () => {
  // One copy of the stacks with six mistakes: each must be named by the check.
  const mistakes: Array<Mistake & { expect: RegExp }> = [
    { file: 'stacks/queue.ts', replace: 'partialResponses: true', with: 'partialResponses: false', expect: /functionResponseTypes \[\]|functionResponseTypes undefined/ },
    { file: 'stacks/queue.ts', replace: 'dlq: { queue: deadLetter.arn, retry: queue.maxReceiveCount },', with: '', expect: /redrive policy/ },
    { file: 'stacks/access.ts', replace: "'dynamodb:Query',", with: "'dynamodb:Query',\n  'dynamodb:Scan',", expect: /may dynamodb:Scan/ },
    { file: 'stacks/access.ts', replace: "mcp: ['table', 'queue'],", with: "mcp: ['table', 'queue', 'AdminToken'],", expect: /mcp\/handler: can read the secrets \[AdminToken\], expected \[\]/ },
    { file: 'stacks/lambda.ts', replace: 'resources: [linked.queue.arn]', with: "resources: ['*']", expect: /may sqs:SendMessage on \*, which access.ts does not give it/ },
    { file: 'stacks/web.ts', replace: "router.route('/.well-known', api.url);", with: '', expect: /the router sends \/\.well-known to undefined, not the HTTP API/ },
  ];
  it('names every mistake in a broken copy of the stacks', async () => {
    const root = brokenCopy('six-mistakes', mistakes);
    const problems = check(await runApp({ stage: 'alice', root, env }), root).join('\n');
    for (const mistake of mistakes) expect(problems).toMatch(mistake.expect);
  }, 120_000);

  it('fails when infra/ names a handler file that does not exist', async () => {
    const root = brokenCopy('missing-handler', [{ file: 'infra/routes.ts', replace: "'tasks/get',", with: "'tasks/get-gone'," }]);
    const run = await runApp({ stage: 'alice', root, env });
    expect(check(run, root).join('\n')).toMatch(/Could not find file for handler "functions\/api\/tasks\/get-gone.handler"/);
  }, 120_000);
});
