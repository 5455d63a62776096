import { config } from '../config.js';
import { secret } from '../secrets.js';

/**
 * Where Gitea reaches aiworker's webhook receiver, and the secret it signs with:
 * - AIWORKER_WEBHOOK_URL: the receiver's full public URL; else AIWORKER_PUBLIC_URL + `/api/webhooks/gitea`
 *   (on AWS: the API's URL from the stack; locally `npm start` sets it to its own address);
 * - the WebhookSecret secret (SST `Resource`; AIWORKER_WEBHOOK_SECRET or generated into the data folder for
 *   `npm start`): the HMAC secret. Only whether it is set is looked at here.
 * Hooks are registered only when both are known.
 */
export function webhookSettings(): { receiverUrl?: string; configured: boolean; missing: string[] } {
  const settings = config();
  const base = settings.auth.publicUrl?.trim().replace(/\/+$/, '');
  const receiverUrl = settings.webhookUrl || (base ? `${base}/api/webhooks/gitea` : undefined);
  const missing = [...(receiverUrl ? [] : ['AIWORKER_PUBLIC_URL (or AIWORKER_WEBHOOK_URL)']), ...(secret('WebhookSecret') ? [] : ['the WebhookSecret secret (AIWORKER_WEBHOOK_SECRET for npm start)'])];
  return { receiverUrl, configured: missing.length === 0, missing };
}
