/**
 * SST v3 app (sst.dev/docs/reference/config): `app()` names the app and says what happens on
 * `sst remove` per stage; `run()` wires the stacks, each built from the plain data in infra/.
 * Personal stages (`sst dev`, `--stage alice`) are removable; `production` is retained and protected.
 *
 * The `sst` CLI cannot run on the project's build machines; test/deploy/sst-shape.test.ts evaluates
 * this file with a recording stand-in for SST's globals and checks the shape of what it declares.
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

    const table = createTable();
    const secrets = createSecrets();
    const { jobs } = createQueues();
    const giteaUrl = process.env.GITEA_URL ?? '';
    if (!giteaUrl) console.warn('GITEA_URL is not set: the worker will fail its Gitea jobs until it is (GITEA_URL=https://gitea.example.com npx sst deploy).');
    const linked = { table, queue: jobs, ...secrets, giteaUrl };

    subscribeWorker(linked);
    const api = createApi(linked);
    const mcp = createMcp(linked);
    createSweeper(linked);

    return { api: api.url, mcp: mcp.url };
  },
});
