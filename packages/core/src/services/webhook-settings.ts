/**
 * Where Gitea reaches aiworker's webhook receiver, and the secret it signs with:
 * - AIWORKER_WEBHOOK_URL: the receiver's full public URL; else AIWORKER_PUBLIC_URL + `/api/webhooks/gitea`
 *   (on AWS: the API's URL from the stack; locally `npm start` sets it to its own address);
 * - AIWORKER_WEBHOOK_SECRET: the HMAC secret (an SST secret on AWS; generated into the data folder locally).
 * Hooks are registered only when both are known.
 */
export function webhookSettings(env: NodeJS.ProcessEnv = process.env): { receiverUrl?: string; configured: boolean; missing: string[] } {
  const base = env.AIWORKER_PUBLIC_URL?.trim().replace(/\/+$/, '');
  const receiverUrl = env.AIWORKER_WEBHOOK_URL?.trim() || (base ? `${base}/api/webhooks/gitea` : undefined);
  const missing = [...(receiverUrl ? [] : ['AIWORKER_PUBLIC_URL (or AIWORKER_WEBHOOK_URL)']), ...(env.AIWORKER_WEBHOOK_SECRET ? [] : ['AIWORKER_WEBHOOK_SECRET'])];
  return { receiverUrl, configured: missing.length === 0, missing };
}
