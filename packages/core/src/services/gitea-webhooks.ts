import { config } from '../config.js';
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { DomainError, UnauthorizedError, ValidationError } from '../errors.js';
import { validWebhookSignature } from '../auth/webhook-signature.js';
import { secret as linkedSecret } from '../secrets.js';
import { projectRepository } from '../db/project-repository.js';
import { IssueCommentPayloadSchema, PullRequestPayloadSchema, type WebhookReceipt } from '../schemas/gitea-webhook.js';
import { applyPullEvent, type PullEffect, type PullEvent } from './review-effects.js';

/** The largest webhook body taken (Gitea's payloads are tens of KiB; a pull request body is capped at 64 KiB). */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookRequest {
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  /** The exact bytes Gitea signed. */
  body: Buffer;
}

/** Event types (X-Gitea-Event-Type) that can change a task; anything else is acknowledged and ignored. */
const HANDLED = new Set([
  'pull_request',
  'pull_request_sync',
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
  'pull_request_comment',
]);

const DeliveryIdSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:-]+$/, 'may only contain letters, digits, ".", "_", ":" and "-"'));

function parse<T>(schema: z.ZodMiniType<T>, body: Buffer, eventType: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DomainError('INVALID_JSON', `The body is not valid JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ValidationError(`Not a ${eventType} payload: ${problems.join('; ')}`, { issues: problems });
}

/**
 * `POST /api/webhooks/gitea`. Authenticated only by `X-Gitea-Signature` (HMAC-SHA256 of the raw body with
 * the WebhookSecret secret): without a valid one nothing is read or written (401). Routed on
 * `X-Gitea-Event-Type`; `X-Gitea-Delivery` makes a delivery idempotent. Never calls Gitea.
 */
export async function receiveGiteaWebhook(request: WebhookRequest, secret = linkedSecret('WebhookSecret')): Promise<WebhookReceipt> {
  if (request.body.length > MAX_WEBHOOK_BYTES) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `The body is ${request.body.length} bytes; the limit is ${MAX_WEBHOOK_BYTES} bytes`);
  }
  if (!secret) throw new UnauthorizedError('Webhooks are not accepted: AIWORKER_WEBHOOK_SECRET is not set on this server');
  const signature = request.headers['x-gitea-signature'];
  if (!signature) throw new UnauthorizedError('Missing X-Gitea-Signature: set the hook secret in Gitea to AIWORKER_WEBHOOK_SECRET');
  if (!validWebhookSignature(secret, request.body, signature)) throw new UnauthorizedError('X-Gitea-Signature does not match the body');

  const delivery = DeliveryIdSchema.safeParse(request.headers['x-gitea-delivery']);
  if (!delivery.success) throw new ValidationError(`Header X-Gitea-Delivery: ${delivery.error.issues[0]?.message ?? 'required'}`);
  const eventType = (request.headers['x-gitea-event-type'] ?? '').trim();
  if (!eventType) throw new ValidationError('Header X-Gitea-Event-Type is required');
  const ignored = (message: string): WebhookReceipt => ({ delivery: delivery.data, event: eventType, outcome: 'ignored', message });
  if (!HANDLED.has(eventType)) return ignored(`aiworker does not act on ${eventType} events`);

  const event = await toPullEvent(delivery.data, eventType, request.body);
  if ('ignore' in event) return ignored(event.ignore);
  if ((await projectRepository.idsByRepository(event.owner, event.repo)).length === 0) {
    return ignored(`No aiworker project uses ${event.owner}/${event.repo}`);
  }
  return applyPullEvent(event);
}

async function toPullEvent(deliveryId: string, eventType: string, body: Buffer): Promise<PullEvent | { ignore: string }> {
  if (eventType === 'pull_request_comment') {
    const payload = parse(IssueCommentPayloadSchema, body, eventType);
    const base = { deliveryId, eventType, owner: payload.repository.owner.login, repo: payload.repository.name, number: payload.issue.number, login: payload.sender.login };
    if (payload.action !== 'created') return { ignore: `A comment ${payload.action}: only new comments are feedback` };
    if (await isAiworker(base.owner, base.repo, base.login, [payload.issue.user?.login, payload.pull_request?.user?.login])) {
      return { ignore: `The comment is by ${base.login}, the account aiworker itself uses` };
    }
    // A comment is one comment, whichever delivery carries it: its id (Gitea always sends one).
    const contentKey = keyOf(payload.comment.id ? ['comment', base.owner, base.repo, payload.comment.id] : ['comment-body', body.toString('base64')]);
    return { ...base, contentKey, updatedAt: instant(payload.issue.updated_at, 'issue.updated_at'), effect: { kind: 'comment', text: payload.comment.body } };
  }

  const payload = parse(PullRequestPayloadSchema, body, eventType);
  const base = {
    deliveryId,
    eventType,
    owner: payload.repository.owner.login,
    repo: payload.repository.name,
    number: payload.pull_request.number,
    login: payload.sender.login,
    updatedAt: instant(payload.pull_request.updated_at, 'pull_request.updated_at'),
  };
  const effect = pullEffect(eventType, payload.action, payload.pull_request.merged === true, payload.review?.content ?? '', payload.pull_request.head?.sha ?? undefined);
  if (!effect) return { ignore: `aiworker does not act on ${eventType} ${payload.action}` };
  // Gitea's review payload carries no review id: the pull request, what happened, who, when (its updated_at,
  // which each review moves) and what was said identify it. Without updated_at, the exact body does.
  const what = [base.owner, base.repo, base.number, eventType, payload.action, base.login, JSON.stringify(effect)];
  const contentKey = keyOf(base.updatedAt ? ['pull', ...what, base.updatedAt] : ['pull-body', body.toString('base64')]);
  if (effect.kind === 'review' && effect.verdict === 'comment' && (await isAiworker(base.owner, base.repo, base.login, [payload.pull_request.user?.login]))) {
    return { ignore: `The review is by ${base.login}, the account aiworker itself uses` };
  }
  return { ...base, contentKey, effect };
}

/** A short, fixed-length key for what a delivery says. */
const keyOf = (parts: Array<string | number>): string => createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/** A payload time stamp as an instant in UTC (Gitea sends RFC 3339 with the server's offset), or 400. */
function instant(stamp: string | null | undefined, field: string): string | undefined {
  if (!stamp) return undefined;
  const at = Date.parse(stamp);
  if (Number.isNaN(at)) throw new ValidationError(`${field} is not a time stamp: ${stamp.slice(0, 64)}`, { field });
  return new Date(at).toISOString();
}

function pullEffect(eventType: string, action: string, merged: boolean, text: string, sha: string | undefined): PullEffect | undefined {
  switch (eventType) {
    case 'pull_request':
      if (action === 'closed') return merged ? { kind: 'merged' } : { kind: 'closed' };
      if (action === 'reopened') return { kind: 'reopened' };
      return undefined;
    case 'pull_request_sync':
      return { kind: 'synchronized', sha };
    case 'pull_request_review_approved':
      return { kind: 'review', verdict: 'approved', text };
    case 'pull_request_review_rejected':
      return { kind: 'review', verdict: 'changes_requested', text };
    case 'pull_request_review_comment':
      return { kind: 'review', verdict: 'comment', text };
    default:
      return undefined;
  }
}

/**
 * Whether a login is the Gitea account aiworker uses: AIWORKER_GITEA_LOGIN, else the one the hook
 * registration job recorded, else the poster of the pull request (aiworker opened it with that account).
 */
async function isAiworker(owner: string, repo: string, login: string, posters: Array<string | undefined>): Promise<boolean> {
  const configured = config().gitea.login;
  const known = configured ? [configured] : [(await projectRepository.getHook(owner, repo))?.giteaLogin, ...posters];
  return known.some((candidate) => candidate?.toLowerCase() === login.toLowerCase());
}
