import { GiteaDeliveryIdSchema, UnauthorizedError, ValidationError, giteaWebhookSecret, validWebhookSignature, type GiteaDelivery } from '@aiworker/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseJson, rawBody } from './body.js';
import { TransportError } from './errors.js';

/** The largest webhook body taken (Gitea's payloads are tens of KiB; a pull request body is capped at 64 KiB). */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * A Gitea webhook request as core reads it. Authenticated only by `X-Gitea-Signature` (HMAC-SHA256 of the
 * raw body with the WebhookSecret secret): without a valid one nothing is read or written (401). Then
 * `X-Gitea-Delivery` (makes a delivery idempotent) and `X-Gitea-Event-Type` (what happened). The body is
 * read as JSON only when core asks (an event aiworker ignores is never read).
 */
export function giteaDelivery(event: APIGatewayProxyEventV2): GiteaDelivery {
  const bytes = rawBody(event);
  if (bytes.length > MAX_WEBHOOK_BYTES) {
    throw new TransportError('PAYLOAD_TOO_LARGE', `The body is ${bytes.length} bytes; the limit is ${MAX_WEBHOOK_BYTES} bytes`);
  }
  const secret = giteaWebhookSecret();
  const signature = event.headers['x-gitea-signature'];
  if (!signature) throw new UnauthorizedError('Missing X-Gitea-Signature: set the hook secret in Gitea to AIWORKER_WEBHOOK_SECRET');
  if (!validWebhookSignature(secret, bytes, signature)) throw new UnauthorizedError('X-Gitea-Signature does not match the body');

  const delivery = GiteaDeliveryIdSchema.safeParse(event.headers['x-gitea-delivery']);
  if (!delivery.success) throw new ValidationError(`Header X-Gitea-Delivery: ${delivery.error.issues[0]?.message ?? 'required'}`);
  const eventType = (event.headers['x-gitea-event-type'] ?? '').trim();
  if (!eventType) throw new ValidationError('Header X-Gitea-Event-Type is required');
  return { deliveryId: delivery.data, eventType, body: { bytes, json: () => parseJson(bytes) } };
}
