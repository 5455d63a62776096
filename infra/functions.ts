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
} as const;

export type SecretName = keyof typeof secrets;
