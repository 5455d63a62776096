/** Functions that are not REST routes: the MCP endpoint (function URL) and the lease sweeper (schedule). */
export const mcpFunction = {
  path: '/mcp',
  handler: 'functions/mcp/handler',
};

export const sweeperFunction = {
  handler: 'functions/sweeper/handler',
  /** How often the sweeper runs. */
  scheduleMinutes: 1,
};

/** Names of the secrets, and which functions use them. */
export const secrets = {
  adminToken: 'AIWORKER_ADMIN_TOKEN',
  giteaToken: 'GITEA_TOKEN',
  webhookSecret: 'AIWORKER_WEBHOOK_SECRET',
};
