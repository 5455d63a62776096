/**
 * Secrets (sst.dev/docs/component/secret): values are set per stage with `npx sst secret set <Name> <value>`
 * and never live in the repository. Which function gets which is decided in access.ts:
 * GiteaToken → worker only; AdminToken → REST functions only; WebhookSecret → nothing yet (no webhook
 * endpoint exists), defined so it can be set before one does.
 */
export function createSecrets() {
  return {
    giteaToken: new sst.Secret('GiteaToken'),
    adminToken: new sst.Secret('AdminToken'),
    webhookSecret: new sst.Secret('WebhookSecret'),
  };
}
