import { projectRepository } from '../db/project-repository.js';
import { IssueCommentPayloadSchema, PullRequestPayloadSchema, type WebhookReceipt } from '../schemas/gitea-webhook.js';
import { applyPullEvent, type PullEffect, type PullEvent } from './review-effects.js';
import { ISSUE_EVENT_TYPES, applyIssueDelivery } from './issue-sync.js';
import { instant, isAiworker, keyOf, parse, type WebhookBody } from './webhook-payload.js';
import { receiveStatus } from './ci-status-webhook.js';
import { maybeAutoMerge } from './auto-merge.js';

/** One delivery of a Gitea webhook, its signature already checked against the body (functions/lib/gitea-delivery.ts). */
export interface GiteaDelivery {
  /** Gitea's id of the delivery: the same id is applied once. */
  deliveryId: string;
  /** What happened (`pull_request`, `issues`, `status`, …). */
  eventType: string;
  body: WebhookBody;
}

/** Event types that can change a task; anything else is acknowledged and ignored. */
const HANDLED = new Set([
  'pull_request',
  'pull_request_sync',
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
  'pull_request_comment',
  ...ISSUE_EVENT_TYPES,
]);

/**
 * `POST /api/webhooks/gitea`, once its signature is checked: routed on the event type; the delivery id makes
 * a delivery idempotent. Never calls Gitea.
 */
export async function receiveGiteaWebhook(request: GiteaDelivery): Promise<WebhookReceipt> {
  const { deliveryId, eventType } = request;
  const ignored = (message: string): WebhookReceipt => ({ delivery: deliveryId, event: eventType, outcome: 'ignored', message });
  if (eventType === 'status') return receiveStatus(deliveryId, (schema) => parse(schema, request.body, eventType));
  if (!HANDLED.has(eventType)) return ignored(`aiworker does not act on ${eventType} events`);
  if (ISSUE_EVENT_TYPES.includes(eventType)) return applyIssueDelivery(deliveryId, eventType, request.body);

  const event = await toPullEvent(deliveryId, eventType, request.body);
  if ('ignore' in event) return ignored(event.ignore);
  if ((await projectRepository.idsByRepository(event.owner, event.repo)).length === 0) {
    return ignored(`No aiworker project uses ${event.owner}/${event.repo}`);
  }
  const receipt = await applyPullEvent(event);
  if (receipt.state === 'approved' && receipt.taskId) await maybeAutoMerge(receipt.taskId).catch(() => undefined);
  return receipt;
}

async function toPullEvent(deliveryId: string, eventType: string, body: WebhookBody): Promise<PullEvent | { ignore: string }> {
  if (eventType === 'pull_request_comment') {
    const payload = parse(IssueCommentPayloadSchema, body, eventType);
    const base = { deliveryId, eventType, owner: payload.repository.owner.login, repo: payload.repository.name, number: payload.issue.number, login: payload.sender.login };
    if (payload.action !== 'created') return { ignore: `A comment ${payload.action}: only new comments are feedback` };
    if (await isAiworker(base.owner, base.repo, base.login, [payload.issue.user?.login, payload.pull_request?.user?.login])) {
      return { ignore: `The comment is by ${base.login}, the account aiworker itself uses` };
    }
    // A comment is one comment, whichever delivery carries it: its id (Gitea always sends one).
    const contentKey = keyOf(payload.comment.id ? ['comment', base.owner, base.repo, payload.comment.id] : ['comment-body', body.bytes.toString('base64')]);
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
  const contentKey = keyOf(base.updatedAt ? ['pull', ...what, base.updatedAt] : ['pull-body', body.bytes.toString('base64')]);
  if (effect.kind === 'review' && effect.verdict === 'comment' && (await isAiworker(base.owner, base.repo, base.login, [payload.pull_request.user?.login]))) {
    return { ignore: `The review is by ${base.login}, the account aiworker itself uses` };
  }
  return { ...base, contentKey, effect };
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
