import { ConflictError, DomainError } from '../errors.js';
import { now } from '../ids.js';
import { logger } from '../telemetry.js';
import { deliveryRepository } from '../db/delivery-repository.js';
import { issueRepository, type IssueLink } from '../db/issue-repository.js';
import { projectRepository, type ProjectRecord } from '../db/project-repository.js';
import { pullRepository } from '../db/pull-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { transact, type TransactItem } from '../db/store.js';
import { IssuePayloadSchema } from '../schemas/gitea-issue-webhook.js';
import { IssueCommentPayloadSchema, type WebhookReceipt } from '../schemas/gitea-webhook.js';
import type { Task, TaskEvent, TaskState } from '../schemas/task.js';
import { requestIssueProgress } from './issue-progress.js';
import { applyStateChange, saveTaskChange, stateEvent } from './task-changes.js';
import { createTask } from './tasks.js';
import { instant, isAiworker, keyOf, parse, type WebhookBody } from './webhook-payload.js';

/**
 * Gitea issues in, as tasks (docs/issues.md). An issue carrying its project's `issueLabel` becomes one task
 * (keyed by repository and issue number: issue-repository.ts). Every `issues`/`issue_label` payload carries
 * the whole issue after the change, so aiworker applies that snapshot, newest `updated_at` wins (instants,
 * not strings): a replay (same content, any delivery id) and an older snapshot arriving late change nothing.
 *  - labelled and open: the task exists (created once); while it is in `backlog` its title and description
 *    follow the issue; a cancelled task comes back to the backlog.
 *  - label removed or issue closed: the task is cancelled if it is in one of CANCELLED_FROM (not yet past
 *    review); approved, staging and production tasks, and a task whose pull request is merged, are kept.
 * `issue_comment`: a new comment on the issue answers the task's question while it waits in `needs_input`
 * (attributed to the commenter); comments by aiworker's own Gitea account are never answers.
 */
export const ISSUE_EVENT_TYPES: readonly string[] = ['issues', 'issue_label', 'issue_comment'];

/** The states an unlabelled or closed issue cancels its task from: everything up to and including review. */
export const CANCELLED_FROM: readonly TaskState[] = ['backlog', 'in_progress', 'needs_input', 'ready_to_test'];

const TITLE_MAX = 500;
const DESCRIPTION_MAX = 50_000;
const ATTEMPTS = 12;

interface Snapshot {
  number: number;
  title: string;
  description: string;
  open: boolean;
  labels: string[];
  url: string;
  updatedAt?: string;
}

interface Outcome {
  next?: Task;
  event?: Omit<TaskEvent, 'taskId' | 'at'>;
  message: string;
}

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

/** One `issues`, `issue_label` or `issue_comment` delivery, after its signature was checked. */
export async function applyIssueDelivery(deliveryId: string, eventType: string, body: WebhookBody): Promise<WebhookReceipt> {
  const receipt = (outcome: WebhookReceipt['outcome'], message: string, task?: Task): WebhookReceipt => ({
    delivery: deliveryId,
    event: eventType,
    outcome,
    message,
    ...(task ? { taskId: task.id, state: task.state } : {}),
  });
  return eventType === 'issue_comment' ? applyComment(deliveryId, eventType, body, receipt) : applySnapshot(deliveryId, eventType, body, receipt);
}

type Receipt = (outcome: WebhookReceipt['outcome'], message: string, task?: Task) => WebhookReceipt;

async function applySnapshot(deliveryId: string, eventType: string, body: WebhookBody, receipt: Receipt): Promise<WebhookReceipt> {
  const payload = parse(IssuePayloadSchema, body, eventType);
  if (payload.issue.pull_request) return receipt('ignored', 'The issue is a pull request; aiworker acts on pull requests through pull_request events');
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const login = payload.sender.login;
  const issue: Snapshot = {
    number: payload.issue.number,
    title: payload.issue.title.trim().slice(0, TITLE_MAX) || `Issue #${payload.issue.number}`,
    description: (payload.issue.body ?? '').slice(0, DESCRIPTION_MAX),
    open: payload.issue.state === 'open',
    labels: (payload.issue.labels ?? []).map((label) => label.name),
    url: payload.issue.html_url ?? '',
    updatedAt: instant(payload.issue.updated_at, 'issue.updated_at'),
  };
  // What the delivery says: the change and the issue as it is after it (a replay says the same). The action is
  // part of it: Gitea stamps whole seconds, so an edit and a relabel in one second leave the same issue behind.
  const contentKey = keyOf(['issue', owner, repo, issue.number, eventType, payload.action, JSON.stringify(issue)]);
  const actor = `gitea:${login}`;

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [seen, link] = await Promise.all([deliveryRepository.seen(deliveryId, contentKey), issueRepository.get(owner, repo, issue.number)]);
    if (seen) return receipt('duplicate', 'This delivery (or a replay of it under another delivery id) was applied before; nothing changed');
    const at = now();
    const markers = deliveryRepository.markerPuts(deliveryId, contentKey, eventType, at);

    if (!link) {
      const project = await projectFor(owner, repo, issue.labels);
      if (!project) return receipt('ignored', `No aiworker project of ${owner}/${repo} takes issue #${issue.number} (its labels: ${issue.labels.join(', ') || 'none'})`);
      if (!issue.open) return receipt('ignored', `Issue #${issue.number} is closed`);
      const created = await createFromIssue(project, owner, repo, issue, actor, markers);
      if (!created) {
        await pause(attempt);
        continue;
      }
      return receipt('applied', `Issue #${issue.number} became task ${created.id}`, created);
    }

    const task = await taskRepository.get(link.taskId);
    if (!task) return receipt('ignored', `The task of issue #${issue.number} (${link.taskId}) no longer exists`);
    const nextLink: IssueLink = { ...link, updatedAt: issue.updatedAt ?? link.updatedAt, version: link.version + 1 };
    const extra: TransactItem[] = [...markers, issueRepository.put(nextLink, link.version)];
    const older = issue.updatedAt && link.updatedAt && Date.parse(issue.updatedAt) < Date.parse(link.updatedAt);
    if (older) {
      const recorded = (await transact(markers)).length === 0;
      if (recorded) return receipt('ignored', `Issue #${issue.number} changed since (a newer delivery was applied); the task stays as it is`, task);
      await pause(attempt);
      continue;
    }
    const project = await projectRepository.get(link.projectId);
    const outcome = await plan(task, issue, project?.issueLabel, actor, login);
    let written: boolean;
    let result = task;
    if (outcome.next) {
      result = { ...outcome.next, updatedAt: at, version: task.version + 1 };
      written = await saveTaskChange(task, result, outcome.event ? { taskId: task.id, at, ...outcome.event } : undefined, { extra });
    } else {
      written = (await transact([...extra, ...(outcome.event ? [taskRepository.eventPut({ taskId: task.id, at, ...outcome.event })] : [])])).length === 0;
    }
    if (written) return receipt('applied', outcome.message, result);
    await pause(attempt);
  }
  throw new ConflictError(`Issue #${issue.number} kept changing while delivery ${deliveryId} was applied; Gitea may redeliver it`);
}

/** The first project of the repository whose `issueLabel` the issue carries. */
async function projectFor(owner: string, repo: string, labels: string[]): Promise<ProjectRecord | undefined> {
  if (labels.length === 0) return undefined;
  const ids = await projectRepository.idsByRepository(owner, repo);
  for (const id of ids.sort()) {
    const project = await projectRepository.get(id);
    if (project?.issueLabel && labels.includes(project.issueLabel)) return project;
  }
  return undefined;
}

/** The task and the issue's link in one transaction with the delivery's markers; undefined when the link or a marker appeared meanwhile. */
async function createFromIssue(project: ProjectRecord, owner: string, repo: string, issue: Snapshot, actor: string, markers: TransactItem[]): Promise<Task | undefined> {
  const link = (taskId: string): IssueLink => ({ owner, repo, number: issue.number, taskId, projectId: project.id, url: issue.url, updatedAt: issue.updatedAt, version: 1 });
  let task: Task;
  try {
    task = await createTask(
      { projectId: project.id, title: issue.title, ...(issue.description ? { description: issue.description } : {}), priority: 50, issue: { number: issue.number, url: issue.url } },
      actor,
      { extra: (taskId) => [...markers, issueRepository.put(link(taskId), undefined)] },
    );
  } catch (error) {
    if (error instanceof ConflictError && (error.details as { extra?: boolean } | undefined)?.extra) return undefined;
    throw error;
  }
  // The task is made either way; its first comment follows with its next change if this request is lost.
  await requestIssueProgress(task, owner, repo).catch((error: unknown) => logger.warn('The first progress comment of an issue task could not be requested', { taskId: task.id, error: (error as Error).message }));
  return task;
}

async function plan(task: Task, issue: Snapshot, label: string | undefined, actor: string, login: string): Promise<Outcome> {
  const wanted = issue.open && !!label && issue.labels.includes(label);
  const ref = `issue #${issue.number}`;
  const textChanged = task.title !== issue.title || (task.description ?? '') !== issue.description;
  const withText = (t: Task): Task => {
    const next: Task = { ...t, title: issue.title, description: issue.description };
    if (!issue.description) delete next.description;
    return next;
  };
  if (wanted) {
    if (task.state === 'cancelled') {
      const change = { to: 'backlog' as const, actor, eventType: 'issue_reopened', note: `${login} ${issue.labels.length ? 'labelled or reopened' : 'reopened'} ${ref} in Gitea; the task is back in the backlog` };
      const next = withText(applyStateChange(task, change));
      return { next, event: stateEvent(task, next, change), message: 'The task is back in the backlog' };
    }
    if (!textChanged) return { message: `Nothing to change: the task has ${ref}'s title and text` };
    if (task.state === 'backlog') {
      return { next: withText(task), event: { type: 'issue_edited', actor, message: `${login} edited ${ref} in Gitea; the task's title and description follow it` }, message: 'The task follows the issue' };
    }
    return { event: { type: 'issue_edited', actor, message: `${login} edited ${ref} in Gitea; the task is in ${task.state}, so it keeps its title and description` }, message: `The task is in ${task.state}; edits apply only in the backlog` };
  }
  const why = issue.open ? `removed the label ${label ?? ''} from ${ref}` : `closed ${ref}`;
  if (!CANCELLED_FROM.includes(task.state)) return { message: `${login} ${why}; the task is past review (${task.state}) and stays` };
  if (!issue.open && (await pullMerged(task))) return { message: `${ref} was closed by the task's merged pull request; the task stays in ${task.state}` };
  const change = { to: 'cancelled' as const, actor, eventType: issue.open ? 'issue_unlabelled' : 'issue_closed', note: `${login} ${why} in Gitea; the task is cancelled` };
  const next = applyStateChange(task, change);
  return { next, event: stateEvent(task, next, change), message: 'The task is cancelled' };
}

async function pullMerged(task: Task): Promise<boolean> {
  if (task.prNumber === undefined || !task.prUrl) return false;
  const project = await projectRepository.get(task.projectId);
  if (!project) return false;
  return (await pullRepository.get(project.giteaOwner, project.giteaRepo, task.prNumber))?.merged === true;
}

/** A comment on an issue: the answer to the task's question while it waits for one. */
async function applyComment(deliveryId: string, eventType: string, body: WebhookBody, receipt: Receipt): Promise<WebhookReceipt> {
  const payload = parse(IssueCommentPayloadSchema, body, eventType);
  if (payload.is_pull || payload.pull_request) return receipt('ignored', 'A comment on a pull request arrives as pull_request_comment');
  if (payload.action !== 'created') return receipt('ignored', `A comment ${payload.action}: only new comments are answers`);
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const number = payload.issue.number;
  const login = payload.sender.login;
  const text = payload.comment.body.trim();
  const link = await issueRepository.get(owner, repo, number);
  if (!link) return receipt('ignored', `Issue #${number} of ${owner}/${repo} is not a task's`);
  if ((payload.comment.id && payload.comment.id === link.commentId) || (await isAiworker(owner, repo, login, []))) {
    return receipt('ignored', `The comment is by ${login}, the account aiworker itself uses`);
  }
  if (!text) return receipt('ignored', 'The comment is empty');
  const contentKey = keyOf(payload.comment.id ? ['issue-comment', owner, repo, payload.comment.id] : ['issue-comment-body', body.bytes.toString('base64')]);
  const actor = `gitea:${login}`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [seen, task] = await Promise.all([deliveryRepository.seen(deliveryId, contentKey), taskRepository.get(link.taskId)]);
    if (seen) return receipt('duplicate', 'This comment was applied before; nothing changed');
    if (!task) return receipt('ignored', `The task of issue #${number} no longer exists`);
    if (task.state !== 'needs_input') return receipt('ignored', `The task is in ${task.state}, not waiting for an answer`, task);
    const at = now();
    const change = { to: 'in_progress' as const, actor, eventType: 'responded', note: `${login} answered on issue #${number} in Gitea: ${text}` };
    const next: Task = { ...applyStateChange(task, change), lastResponse: text, updatedAt: at, version: task.version + 1 };
    const written = await saveTaskChange(task, next, { ...stateEvent(task, next, change), at }, { extra: deliveryRepository.markerPuts(deliveryId, contentKey, eventType, at) });
    if (written) return receipt('applied', `${login} answered the task's question`, next);
    await pause(attempt);
  }
  throw new DomainError('CONFLICT', `Issue #${number}'s task kept changing while delivery ${deliveryId} was applied; Gitea may redeliver it`);
}
