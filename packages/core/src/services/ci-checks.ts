import { now } from '../ids.js';
import { projectRepository, type ProjectRecord } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { TransactItem } from '../db/store.js';
import { DEFAULT_CI_ROUNDS, type CheckContext, type Checks, type CommitState, type Preview } from '../schemas/ci.js';
import type { Task, TaskEvent } from '../schemas/task.js';
import { httpUrl } from '../web-url.js';
import { appendFeedback } from './feedback.js';
import { previewOf } from './previews.js';
import { saveTaskChange, stateEvent } from './task-changes.js';
import { sendBack } from './send-back.js';

/**
 * CI on a task in review (docs/ci.md). Statuses reach a task two ways — Gitea's `status` webhook and the
 * `sync_checks` job that reads the combined status of the pull request's head — and both end here, so
 * they converge: per context the newest status is kept (by its time, then its id), a status for another
 * head than the one known changes nothing, and a status seen before writes nothing.
 *
 * When the combined state of the head turns failure or error while the task is in review, the task goes
 * back to its agent like a review asking for changes (services/send-back.ts), with the failing
 * contexts in `feedback`; once per head, at most the project's `ciRounds` times, then `checks.waiting`
 * says it waits for a person.
 */
export interface ObservedStatus {
  context: string;
  state: CommitState;
  description: string;
  targetUrl: string;
  id: number;
  /** Gitea's time stamp (seconds). */
  updatedAt: string;
  /** webhook: the payload's global id; api: the combined status (an id per commit). Ids of the two are not comparable. */
  source: 'webhook' | 'api';
}

export interface ObservedHead {
  sha: string;
  statuses: ObservedStatus[];
  /** True when the sha is known to be the pull request's head now (the job asked Gitea); a webhook does not know. */
  isHead: boolean;
}

const REVIEW: readonly Task['state'][] = ['ready_to_test', 'approved'];
const PRIORITY: Record<CommitState, number> = { error: 0, failure: 1, warning: 2, pending: 3, success: 4 };
const DESCRIPTION_LIMIT = 1000;

export function combined(contexts: Array<{ state: CommitState }>): CommitState | undefined {
  let state: CommitState | undefined;
  for (const context of contexts) if (state === undefined || PRIORITY[context.state] <= PRIORITY[state]) state = context.state;
  return state;
}

const instant = (stamp: string) => {
  const at = Date.parse(stamp);
  return Number.isNaN(at) ? 0 : at;
};

/** Whether `incoming` is newer than what is kept for its context. Same time, different sources: the combined status (api) is Gitea's own answer. */
function newer(incoming: ObservedStatus, kept: CheckContext | undefined): boolean {
  if (!kept) return true;
  const a = instant(incoming.updatedAt);
  const b = instant(kept.updatedAt);
  if (a !== b) return a > b;
  if (incoming.source === kept.source) return incoming.id > kept.id;
  return incoming.source === 'api' && (incoming.state !== kept.state || incoming.description !== kept.description.slice(0, DESCRIPTION_LIMIT));
}

function toContext(status: ObservedStatus): CheckContext {
  const targetUrl = httpUrl(status.targetUrl);
  return {
    context: status.context,
    state: status.state,
    description: status.description.slice(0, DESCRIPTION_LIMIT),
    ...(targetUrl ? { targetUrl } : {}),
    id: status.id,
    updatedAt: new Date(instant(status.updatedAt)).toISOString(),
    source: status.source,
  };
}

/**
 * Whether `incoming` ties with what is kept for its context and cannot be ordered: the same second, from the
 * other source, saying something else. The two sources' ids are different sequences, so a webhook for a
 * status posted in the same second as the one a sync job read may be the newer one, and is not taken in; only
 * Gitea's combined status can tell (ask it again).
 */
export function undecided(current: Checks | undefined, sha: string, incoming: ObservedStatus): boolean {
  const kept = current?.sha === sha ? current.contexts.find((context) => context.context === incoming.context) : undefined;
  if (!kept || kept.source === incoming.source || instant(kept.updatedAt) !== instant(incoming.updatedAt)) return false;
  return incoming.state !== kept.state || incoming.description.slice(0, DESCRIPTION_LIMIT) !== kept.description;
}

/** The task's checks with `observed` taken in; undefined when nothing changes. */
export function mergeChecks(current: Checks | undefined, observed: ObservedHead): Checks | undefined {
  let base = current;
  if (!base || base.sha !== observed.sha) {
    // Another head: only a head Gitea just confirmed replaces the one known (a webhook for an old head changes nothing).
    if (!observed.isHead) return undefined;
    base = { sha: observed.sha, contexts: [], rounds: current?.rounds ?? 0 };
  }
  const contexts = new Map(base.contexts.map((context) => [context.context, context]));
  for (const status of observed.statuses) if (newer(status, contexts.get(status.context))) contexts.set(status.context, toContext(status));
  const list = [...contexts.values()];
  const next: Checks = { ...base, contexts: list };
  const state = combined(list);
  if (state) next.state = state;
  return JSON.stringify(next) === JSON.stringify(current) ? undefined : next;
}

/** The failing contexts, as feedback for the agent: names, descriptions and links. */
export function ciFeedback(checks: Checks): string {
  const failing = checks.contexts.filter((context) => context.state === 'failure' || context.state === 'error');
  const lines = failing.map((context) => `- ${context.context}: ${context.state}${context.description ? ` — ${context.description}` : ''}${context.targetUrl ? ` (${context.targetUrl})` : ''}`);
  return `CI failed on ${checks.sha.slice(0, 12)}:\n${lines.join('\n')}`;
}

interface Planned {
  next: Task;
  event?: TaskEvent;
  extra?: TransactItem[];
}

const ACTOR = 'system:ci';

async function plan(task: Task, project: ProjectRecord | undefined, observed: ObservedHead): Promise<Planned | undefined> {
  const checks = mergeChecks(task.checks, observed);
  const preview = previewOf(task.preview, project?.previewContext, checks ?? task.checks);
  if (!checks && !preview) return undefined;
  let next: Task = { ...task, ...(checks ? { checks } : {}), ...(preview ? { preview } : {}) };
  const after = next.checks;
  const stateChanged = checks && checks.state !== task.checks?.state;
  let event: TaskEvent | undefined = stateChanged
    ? { taskId: task.id, at: now(), type: 'checks', actor: ACTOR, message: `CI on ${checks.sha.slice(0, 12)} is ${checks.state ?? 'not reported'}: ${checks.contexts.map((c) => `${c.context} ${c.state}`).join(', ')}` }
    : undefined;
  const failed = after && (after.state === 'failure' || after.state === 'error') && after.sentBackFor !== after.sha && REVIEW.includes(task.state);
  if (!failed || !after) return { next, event };

  const limit = project?.ciRounds ?? DEFAULT_CI_ROUNDS;
  const feedback = ciFeedback(after);
  if (after.rounds >= limit) {
    next = { ...next, checks: { ...after, sentBackFor: after.sha, waiting: `CI failed and the ${limit} automatic round${limit === 1 ? ' is' : 's are'} used up: a person decides (send it back, fix CI or merge)` } };
    return { next, event: { taskId: task.id, at: now(), type: 'ci_failed', actor: ACTOR, message: `${feedback}\nThe ${limit} automatic rounds are used up: the task waits for a person` } };
  }
  const rework: Task = { ...next, state: 'in_progress', feedback: appendFeedback(task.feedback, feedback), checks: { ...after, rounds: after.rounds + 1, sentBackFor: after.sha } };
  delete rework.question;
  const back = await sendBack(task, rework, ACTOR);
  const round = `round ${after.rounds + 1} of ${limit}`;
  event = back.change ? stateEvent(task, back.next, { ...back.change, eventType: 'ci_failed', note: `${feedback}\n${back.change.note ?? ''} (CI ${round})` }) : event;
  return { next: back.next, event, extra: back.extra };
}

const ATTEMPTS = 20;

/** Takes what Gitea says about a head into the task (see above); the task as it is after. */
export async function applyStatuses(taskId: string, observed: ObservedHead): Promise<{ task?: Task; changed: boolean }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const task = await taskRepository.get(taskId);
    if (!task) return { changed: false };
    const project = await projectRepository.get(task.projectId);
    const planned = await plan(task, project, observed);
    if (!planned) return { task, changed: false };
    const next: Task = { ...planned.next, updatedAt: now(), version: task.version + 1 };
    if (await saveTaskChange(task, next, planned.event, { extra: planned.extra })) return { task: next, changed: true };
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));
  }
  return { changed: false };
}

export type { Preview };
