import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';
import { secret as linkedSecret } from '../secrets.js';

/** Gitea's webhook signature: the hex HMAC-SHA256 of the exact body bytes, keyed with the hook's secret, no prefix. */
export const webhookSignature = (secret: string, body: Buffer | string): string => createHmac('sha256', secret).update(body).digest('hex');

/**
 * Whether `signature` is the body's signature under `secret`. Constant-time: the comparison takes as long
 * for a near miss as for garbage (a malformed header is refused before, by its shape, which is no secret).
 */
export function validWebhookSignature(secret: string, body: Buffer, signature: string | undefined): boolean {
  if (!signature || !/^[0-9a-fA-F]{64}$/.test(signature.trim())) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signature.trim(), 'hex'));
}

/** The secret Gitea signs webhooks with (the WebhookSecret secret); without it no webhook is accepted. */
export function giteaWebhookSecret(secret = linkedSecret('WebhookSecret')): string {
  if (!secret) throw new UnauthorizedError('Webhooks are not accepted: AIWORKER_WEBHOOK_SECRET is not set on this server');
  return secret;
}
