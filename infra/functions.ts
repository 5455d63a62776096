/** Functions that are not REST routes: the MCP endpoint (function URL) and the lease sweeper (schedule). */
export const mcpFunction = {
  path: '/mcp',
  handler: 'functions/mcp/handler',
};

/** `rate(1 minute)` / `rate(5 minutes)`: EventBridge wants the singular for 1. */
export const rateExpression = (minutes: number): `rate(${string})` => `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;

export const sweeperFunction = {
  handler: 'functions/sweeper/handler',
  /** How often the sweeper runs. */
  scheduleMinutes: 1,
};

/**
 * The secrets, by their SST name (`npx sst secret set <Name> <value>`). Functions read them with `Resource`
 * from the `sst` package (packages/core/src/secrets.ts); `npm start` takes them from the environment
 * variable named here and hands them over the same way. Which function gets which: stacks/access.ts.
 */
export const secrets = {
  AdminToken: { env: 'AIWORKER_ADMIN_TOKEN' },
  GiteaToken: { env: 'GITEA_TOKEN' },
  WebhookSecret: { env: 'AIWORKER_WEBHOOK_SECRET' },
  GiteaClientSecret: { env: 'AIWORKER_GITEA_CLIENT_SECRET' },
} as const;

export type SecretName = keyof typeof secrets;

/**
 * Stage settings (not secrets): read from the deploying shell or `.env.<stage>` when deploying, and given to
 * the functions that read them, when set. What each means: README, Deploy.
 */
export const stageSettings = [
  'GITEA_URL',
  'AIWORKER_GITEA_CLIENT_ID',
  'AIWORKER_GITEA_LOGIN',
  'AIWORKER_ALLOWED_ORGS',
  'AIWORKER_ALLOWED_LOGINS',
  'AIWORKER_ADMIN_LOGINS',
  'AIWORKER_SESSION_HOURS',
  'AIWORKER_LEASE_SECONDS',
  'AIWORKER_NOTIFY_ALLOW_PRIVATE',
  'AIWORKER_TRUSTED_PROXIES',
] as const;
