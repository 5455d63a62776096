import { ConflictError } from '../errors.js';
import { now } from '../ids.js';
import { deliveryRepository } from '../db/delivery-repository.js';
import { pullRepository, type PullLink } from '../db/pull-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { transact, type TransactItem } from '../db/store.js';
import { AGAIN, retry } from '../db/retry.js';
import type { WebhookReceipt } from '../schemas/gitea-webhook.js';
import type { Task, TaskEvent, TaskState } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { saveTaskChange } from './task-changes.js';
import { appendFeedback as appendText } from './feedback.js';
import { isSendBack, sendBack } from './send-back.js';

/**
 * What a person did to a pull request in Gitea, and what it does to the task behind it. Every effect
 * goes through one conditional transaction with the delivery's marker, so a replay changes nothing, and
 * out-of-order deliveries converge: a merge is final, a close holds until a reopen, and a review older
 * than the newest review applied (by the pull request's `updated_at`) moves nothing.
 */
export type PullEffect =
  | { kind: 'review'; verdict: 'approved' | 'changes_requested' | 'comment'; text: string }
  | { kind: 'comment'; text: string }
  | { kind: 'merged' }
  | { kind: 'closed' }
  | { kind: 'reopened' }
  | { kind: 'synchronized'; sha?: string };

export interface PullEvent {
  deliveryId: string;
  /** What the delivery says, as a key: the same for a replay under a new delivery id (gitea-webhooks.ts). */
  contentKey: string;
  /** Gitea's event type, recorded with the delivery. */
  eventType: string;
  owner: string;
  repo: string;
  number: number;
  /** The Gitea login of the person who did it. */
  login: string;
  /** `pull_request.updated_at` from the payload, as an ISO instant in UTC: orders reviews. */
  updatedAt?: string;
  effect: PullEffect;
}

const REVIEW_STATES: readonly TaskState[] = ['ready_to_test', 'approved'];
const FINAL_STATES: readonly TaskState[] = ['staging', 'production', 'cancelled'];

interface Outcome {
  next?: Task;
  link?: PullLink;
  event: Omit<TaskEvent, 'taskId' | 'at'>;
  extra?: TransactItem[];
  message: string;
}

/** Review or comment text from Gitea added to the task's feedback; the feedback as it was when the text is empty. */
function appendFeedback(task: Task, login: string, what: string, text: string): string | undefined {
  const body = text.trim();
  return body ? appendText(task.feedback, `${login} ${what} in Gitea:\n${body}`) : task.feedback;
}

const withoutReviewLeftovers = (task: Task): Task => {
  const { question: _question, ...rest } = task;
  return rest;
};

async function plan(task: Task, link: PullLink, event: PullEvent): Promise<Outcome> {
  const actor = `gitea:${event.login}`;
  const pr = `pull request #${event.number}`;
  const by = event.login;
  const effect = event.effect;
  const note = (type: string, message: string): Outcome => ({ event: { type, actor, message }, message });
  const moved = (type: string, next: Task, message: string, extra?: TransactItem[]): Outcome => ({
    next,
    event: { type, actor, from: task.state, to: next.state, message },
    extra,
    message,
  });

  switch (effect.kind) {
    case 'merged': {
      if (link.merged) return note('pull_request_merged', `${by} merged ${pr} in Gitea (already recorded)`);
      const nextLink = { ...link, merged: true, closed: false };
      if (FINAL_STATES.includes(task.state)) {
        return { ...note('pull_request_merged', `${by} merged ${pr} in Gitea; the task stays in ${task.state}`), link: nextLink };
      }
      const unapproved = task.state !== 'approved' ? ` without approval in aiworker (the task was in ${task.state})` : '';
      const next: Task = { ...withoutReviewLeftovers(task), state: 'staging' };
      return { ...moved('pull_request_merged', next, `${by} merged ${pr} in Gitea${unapproved}; the task is in staging`), link: nextLink };
    }
    case 'closed': {
      if (link.merged) return note('pull_request_closed', `${by} closed ${pr} in Gitea (it was merged already)`);
      const nextLink = { ...link, closed: true };
      if (!REVIEW_STATES.includes(task.state)) {
        return { ...note('pull_request_closed', `${by} closed ${pr} in Gitea without merging; the task stays in ${task.state}`), link: nextLink };
      }
      const next: Task = { ...withoutReviewLeftovers(task), state: 'backlog' };
      delete next.assignedAgentId;
      delete next.prNumber;
      delete next.prUrl;
      return { ...moved('pull_request_closed', next, `${by} closed ${pr} in Gitea without merging; the task is out of review and back in the backlog`), link: nextLink };
    }
    case 'reopened':
      return { ...note('pull_request_reopened', `${by} reopened ${pr} in Gitea`), link: link.closed ? { ...link, closed: false } : undefined };
    case 'synchronized':
      return note('pull_request_synchronized', `New commits on ${pr}${effect.sha ? ` (head ${effect.sha.slice(0, 12)})` : ''}, pushed by ${by}`);
    case 'comment': {
      const feedback = appendFeedback(task, by, 'commented', effect.text);
      if (feedback === task.feedback) return note('pull_request_comment', `${by} commented on ${pr} in Gitea (empty)`);
      if (task.state === 'needs_input') {
        const next: Task = { ...withoutReviewLeftovers(task), state: 'in_progress', lastResponse: effect.text.trim(), feedback };
        return moved('responded', next, `${by} answered on ${pr} in Gitea: ${effect.text.trim()}`);
      }
      return { next: { ...task, feedback }, event: { type: 'pull_request_comment', actor, message: `${by} commented on ${pr} in Gitea` }, message: 'comment added to feedback' };
    }
    case 'review':
      return planReview(task, link, event, effect, actor);
  }
}

async function planReview(task: Task, link: PullLink, event: PullEvent, effect: Extract<PullEffect, { kind: 'review' }>, actor: string): Promise<Outcome> {
  const by = event.login;
  const pr = `pull request #${event.number}`;
  const type = effect.verdict === 'approved' ? 'pull_request_approved' : effect.verdict === 'changes_requested' ? 'changes_requested' : 'review_comment';
  const what = effect.verdict === 'approved' ? 'approved' : effect.verdict === 'changes_requested' ? 'requested changes on' : 'reviewed';
  const feedbackWhat = effect.verdict === 'changes_requested' ? 'requested changes' : 'commented in a review';
  // Review text is feedback whatever the order it arrives in, so the task ends with the same text.
  const feedback = effect.verdict === 'approved' ? task.feedback : appendFeedback(task, by, feedbackWhat, effect.text);
  const withFeedback: Task = { ...task, feedback };
  const changedText = feedback !== task.feedback;
  const keep = (why: string): Outcome => ({
    next: changedText ? withFeedback : undefined,
    event: { type, actor, message: `${by} ${what} ${pr} in Gitea; ${why}` },
    message: why,
  });

  if (link.merged || link.closed) return keep(`the pull request is ${link.merged ? 'merged' : 'closed'}, so the task stays in ${task.state}`);
  // Instants, not strings: 10:30+01:00 is older than 10:00Z.
  const stale = event.updatedAt && link.reviewedAt && Date.parse(event.updatedAt) < Date.parse(link.reviewedAt);
  if (stale) return keep(`a newer review was applied already, so the task stays in ${task.state}`);
  const nextLink: PullLink | undefined = event.updatedAt && effect.verdict !== 'comment' ? { ...link, reviewedAt: event.updatedAt } : undefined;

  if (effect.verdict === 'approved') {
    if (task.state !== 'ready_to_test') return { ...keep(`the task stays in ${task.state}`), link: nextLink };
    const next: Task = { ...withFeedback, state: 'approved' };
    return { next, link: nextLink, event: { type, actor, from: task.state, to: 'approved', message: `${by} approved ${pr} in Gitea` }, message: 'approved' };
  }
  if (effect.verdict === 'changes_requested' && isSendBack(task, 'in_progress') && task.state !== 'production' && task.state !== 'cancelled') {
    const next: Task = { ...withoutReviewLeftovers(withFeedback), state: 'in_progress' };
    const back = await sendBack(task, next, actor);
    const message = `${by} requested changes on ${pr} in Gitea: ${back.change?.note ?? 'sent back'}`;
    return { next: back.next, link: nextLink, extra: back.extra, event: { type: 'sent_back', actor, from: task.state, to: back.next.state, message }, message };
  }
  const why = isActive(task.state) ? `the agent has the task (${task.state}) and finds the text in feedback` : `the task stays in ${task.state}`;
  return { ...keep(why), link: nextLink };
}

const ATTEMPTS = 12;

/** Applies one webhook delivery about a pull request aiworker opened. */
export async function applyPullEvent(event: PullEvent): Promise<WebhookReceipt> {
  const receipt = (outcome: WebhookReceipt['outcome'], message: string, task?: Task): WebhookReceipt => ({
    delivery: event.deliveryId,
    event: event.eventType,
    outcome,
    message,
    ...(task ? { taskId: task.id, state: task.state } : {}),
  });
  const giveUp = () => new ConflictError(`Pull request #${event.number} kept changing while delivery ${event.deliveryId} was applied; Gitea may redeliver it`);
  return retry({ attempts: ATTEMPTS, giveUp }, async () => {
    // Side by side: whether this delivery was applied, and the pull request's link to its task.
    const [seen, link] = await Promise.all([deliveryRepository.seen(event.deliveryId, event.contentKey), pullRepository.get(event.owner, event.repo, event.number)]);
    if (seen) return receipt('duplicate', 'This delivery (or a replay of it under another delivery id) was applied before; nothing changed');
    if (!link) return receipt('ignored', `Pull request #${event.number} of ${event.owner}/${event.repo} was not opened by aiworker`);
    const task = await taskRepository.get(link.taskId);
    if (!task) return receipt('ignored', `The task of pull request #${event.number} (${link.taskId}) no longer exists`);

    const outcome = await plan(task, link, event);
    const at = now();
    const taskEvent: TaskEvent = { taskId: task.id, at, ...outcome.event };
    const extra: TransactItem[] = [...deliveryRepository.markerPuts(event.deliveryId, event.contentKey, event.eventType, at), ...(outcome.extra ?? [])];
    if (outcome.link) extra.push(pullRepository.put({ ...outcome.link, version: link.version + 1 }, link.version));
    let written: boolean;
    let result = task;
    if (outcome.next) {
      result = { ...outcome.next, updatedAt: at, version: task.version + 1 };
      written = await saveTaskChange(task, result, taskEvent, { extra });
    } else {
      written = (await transact([...extra, taskRepository.eventPut(taskEvent)])).length === 0;
    }
    if (written) return receipt('applied', outcome.message, result);
    // A guard failed: this delivery was applied meanwhile, or the task or its link moved on. Look again,
    // after a jittered pause so deliveries racing for the same task spread out.
    return AGAIN;
  });
}
