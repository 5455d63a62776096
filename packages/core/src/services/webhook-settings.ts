import { secret } from '../secrets.js';

/**
 * Where Gitea reaches aiworker's webhook receiver, and the secret it signs with:
 * - AIWORKER_WEBHOOK_URL: the receiver's full public URL; else AIWORKER_PUBLIC_URL + `/api/webhooks/gitea`
 *   (on AWS: the API's URL from the stack; locally `npm start` sets it to its own address);
 * - the WebhookSecret secret (SST `Resource`; AIWORKER_WEBHOOK_SECRET or generated into the data folder for
 *   `npm start`): the HMAC secret. Only whether it is set is looked at here.
 * Hooks are registered only when both are known.
 */
export function webhookSettings(env: NodeJS.ProcessEnv = process.env): { receiverUrl?: string; configured: boolean; missing: string[] } {
  const base = env.AIWORKER_PUBLIC_URL?.trim().replace(/\/+$/, '');
  const receiverUrl = env.AIWORKER_WEBHOOK_URL?.trim() || (base ? `${base}/api/webhooks/gitea` : undefined);
  const missing = [...(receiverUrl ? [] : ['AIWORKER_PUBLIC_URL (or AIWORKER_WEBHOOK_URL)']), ...(secret('WebhookSecret') ? [] : ['the WebhookSecret secret (AIWORKER_WEBHOOK_SECRET for npm start)'])];
  return { receiverUrl, configured: missing.length === 0, missing };
}
