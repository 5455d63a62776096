import { createHmac } from 'node:crypto';
import { InternalAddressError, postTo, type PostResult } from './public-address.js';

/** One notification to a project's URL. */
export interface Notification {
  url: string;
  /** The JSON body, sent as it is. */
  body: string;
  /**
   * A `json` notification names its event and delivery and, when the project has a secret, is signed with it
   * (X-Aiworker-Signature: sha256=<hex HMAC of the body>); a `slack` one carries the body alone.
   */
  signed?: { event: string; deliveryId: string; secret?: string };
  timeoutMs: number;
  /** Loopback, link-local and private addresses may be reached (a laptop, a private network). */
  allowInternal: boolean;
}

/** What became of a notification: delivered, or why not and whether another try may do better. */
export type SendOutcome =
  | { outcome: 'delivered'; host: string; status: number }
  | { outcome: 'internal-address'; host: string }
  | { outcome: 'retry'; host: string; message: string; retryAfterSeconds?: number }
  | { outcome: 'refused'; host: string; message: string };

/** The URL's host only: a Slack incoming-webhook URL is itself a secret, so it is never logged or recorded. */
const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return 'the notification URL';
  }
};

function headersOf(notification: Notification): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'aiworker' };
  const { signed } = notification;
  if (signed) {
    headers['x-aiworker-event'] = signed.event;
    headers['x-aiworker-delivery'] = signed.deliveryId;
    if (signed.secret) headers['x-aiworker-signature'] = `sha256=${createHmac('sha256', signed.secret).update(notification.body).digest('hex')}`;
  }
  return headers;
}

/** POSTs one notification and says what came of it: 2xx delivered; 5xx, 429, 408 and no answer worth a retry; any other answer refused. */
export async function sendNotification(notification: Notification): Promise<SendOutcome> {
  const host = hostOf(notification.url);
  let response: PostResult;
  try {
    response = await postTo(new URL(notification.url), {
      headers: headersOf(notification),
      body: notification.body,
      timeoutMs: notification.timeoutMs,
      allowInternal: notification.allowInternal,
    });
  } catch (error) {
    if (error instanceof InternalAddressError) return { outcome: 'internal-address', host };
    // One text for refused, reset, unresolvable and silent alike: the job's record must not tell a port scan anything.
    return { outcome: 'retry', host, message: `Notification to ${host}: delivery failed` };
  }
  const { status } = response;
  if (status >= 200 && status < 300) return { outcome: 'delivered', host, status };
  if (status >= 500 || status === 429 || status === 408) {
    const retryAfter = Number(response.headers['retry-after']);
    return { outcome: 'retry', host, message: `Notification to ${host} answered HTTP ${status}`, ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}) };
  }
  return { outcome: 'refused', host, message: `Notification to ${host} answered HTTP ${status}; check the project's notifyUrl` };
}
