/// <reference path="./.sst/platform/config.d.ts" />
/**
 * SST v4 app (sst.dev/docs/reference/config), pinned by package.json: `app()` names the app and says what
 * happens on `sst remove` per stage; `run()` wires the stacks, each built from the plain data in infra/.
 * Personal stages (`sst dev`, `--stage alice`) are removable; `production` is retained and protected.
 *
 * test/deploy/sst-real.test.ts runs this file through SST's real components (the pinned platform, under
 * Pulumi's mocks) and checks the resources they make; `npm run typecheck` checks it against SST's real types.
 */
export default $config({
  app(input) {
    const production = input?.stage === 'production';
    return {
      name: 'aiworker',
      removal: production ? 'retain' : 'remove',
      protect: production,
      home: 'aws',
    };
  },
  async run() {
    const { createTable } = await import('./stacks/storage.js');
    const { createSecrets } = await import('./stacks/secrets.js');
    const { createQueues, subscribeWorker } = await import('./stacks/queue.js');
    const { createApi } = await import('./stacks/api.js');
    const { createMcp } = await import('./stacks/mcp.js');
    const { createSweeper } = await import('./stacks/sweeper.js');
    const { createRouter, routeWeb } = await import('./stacks/web.js');
    const { createAlarms } = await import('./stacks/alarms.js');
    const { createRunners, runnerSettings } = await import('./stacks/runners.js');

    const { stageSettings } = await import('./infra/functions.js');

    // Stage settings, read when deploying (from the shell or .env.<stage>): see README, Deploy.
    const settings = Object.fromEntries(stageSettings.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
    if (!settings.GITEA_URL) console.warn('GITEA_URL is not set: the worker will fail its Gitea jobs until it is (GITEA_URL=https://gitea.example.com npx sst deploy).');

    const table = createTable();
    const secrets = createSecrets();
    const { jobs, deadLetter } = createQueues();
    const router = createRouter();
    const linked = { table, queue: jobs, secrets, settings, publicUrl: process.env.AIWORKER_PUBLIC_URL ?? router.url };

    const worker = subscribeWorker(linked);
    const api = createApi(linked);
    routeWeb(router, api);
    const mcp = createMcp(linked, router);
    createSweeper(linked);
    // Agent runners on ECS Fargate, only when the stage asks for them (AIWORKER_RUNNERS=N; README, Deploy).
    const runners = runnerSettings(process.env);
    if (runners) createRunners(runners, mcp.url);
    createAlarms(
      { deadLetter, workerFunctionName: worker.nodes.function.name, apiId: api.nodes.api.id },
      { email: process.env.AIWORKER_ALARM_EMAIL, url: process.env.AIWORKER_ALARM_URL },
    );

    // What a person needs: the app, its API and MCP endpoint; and for `npm run redrive` (README, Runbook) the queues and table.
    return { url: router.url, api: api.url, mcp: mcp.url, table: table.name, queue: jobs.url, deadLetterQueue: deadLetter.url };
  },
});
