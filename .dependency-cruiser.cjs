/**
 * The import graph's rules (issue 23: edges drawn once), checked in CI by `npm run lint:deps`.
 * Layers, top to bottom: functions/ (HTTP, Lambda) → packages/core services → core auth → core db and queue → core schemas;
 * core's outbound HTTP (packages/gitea-client, packages/notification-sender) below core.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles anywhere.', from: {}, to: { circular: true } },
    {
      name: 'core-knows-no-runtime',
      severity: 'error',
      comment: 'Core is the domain: it never imports handlers, the local runtime, the runner, the board or the stand-in.',
      from: { path: '^packages/core/src' },
      to: { path: '^(functions|packages/(local|agent|board|gitea-standin))/' },
    },
    {
      name: 'services-use-repositories',
      severity: 'error',
      comment: 'Services know no AWS SDK: DynamoDB through db/ repositories, SQS through the queue module (queue/).',
      from: { path: '^packages/core/src/services' },
      to: { path: '@aws-sdk/' },
    },
    {
      name: 'aws-sdk-only-in-adapters',
      severity: 'error',
      comment: 'In core only db/ (DynamoDB) and queue/ (SQS) speak the AWS SDK; everything else calls them.',
      from: { path: '^packages/core/src', pathNot: '^packages/core/src/(db|queue|services)/' },
      to: { path: '@aws-sdk/' },
    },
    {
      name: 'core-answers-no-http',
      severity: 'error',
      comment:
        'Core errors carry domain codes; functions/ turns them into statuses and headers. So core never sees an HTTP request or builds an answer: no Lambda HTTP event types, no middy, no HTTP transport of the MCP SDK.',
      from: { path: '^packages/core/src' },
      to: { path: '(^|/)node_modules/(@types/aws-lambda|aws-lambda|@middy/|@modelcontextprotocol/node)|^(aws-lambda|@middy/)' },
    },
    {
      name: 'core-calls-no-http',
      severity: 'error',
      comment:
        'Core makes no HTTP call itself: Gitea through @aiworker/gitea-client, notifications through @aiworker/notification-sender (Biome denies core the fetch global; lint/core-knows-no-http.grit its statuses and header names).',
      from: { path: '^packages/core/src' },
      to: { path: '^(node:)?(http|https|http2)$|(^|/)node_modules/(undici|gitea-js|openapi-fetch|axios|got|node-fetch)/|^(undici|gitea-js)$' },
    },
    {
      name: 'outbound-below-core',
      severity: 'error',
      comment: 'The outbound HTTP packages sit below core: they never import core, a runtime or a handler (core calls them, not the reverse).',
      from: { path: '^packages/(gitea-client|notification-sender)/' },
      to: { path: '^(packages/(core|local|agent|board|gitea-standin)|functions|infra)/' },
    },
    {
      name: 'auth-below-services',
      severity: 'error',
      comment: 'auth/ sits below services/: it may use db/ and schemas, never services.',
      from: { path: '^packages/core/src/auth' },
      to: { path: '^packages/core/src/services' },
    },
    {
      name: 'db-below-services',
      severity: 'error',
      comment: 'db/ is the lowest layer of core besides schemas: it never imports services, auth or mcp.',
      from: { path: '^packages/core/src/db' },
      to: { path: '^packages/core/src/(services|auth|mcp|api)' },
    },
    {
      name: 'handlers-not-to-local',
      severity: 'error',
      comment: 'Handlers run on Lambda: they never import the local runtime, the stand-in or tests.',
      from: { path: '^functions/' },
      to: { path: '^(packages/(local|gitea-standin|agent|board)|test)/' },
    },
    {
      name: 'runner-speaks-mcp-only',
      severity: 'error',
      comment: 'The runner knows the control plane only through MCP: no imports of core, handlers or the runtime.',
      from: { path: '^packages/agent/' },
      to: { path: '^(packages/(core|local|board|gitea-standin)|functions)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.sst)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
