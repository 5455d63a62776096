import type { HandlerContext, Reply } from './handlers.js';
import { reviewHandlers } from './review-handlers.js';
import { reviewLoopOf } from './review-loop.js';
import type { StandInComment } from './review-shapes.js';
import { now, type GiteaState, type StandInRepo, type StandInUser } from './state.js';
import { IssuePayloadSchema } from './webhook-payloads.js';

/**
 * Issues, repository labels and comments on issues, as Gitea 1.22 has them (routers/api/v1/repo/issue.go,
 * issue_label.go, issue_comment.go, label.go), and the webhooks they send: `issues` (opened, edited, closed,
 * reopened), `issue_label` (label_updated, label_cleared; X-Gitea-Event `issues`), `issue_comment` (created,
 * edited). A merged pull request whose body says `Closes #N` (or fixes/resolves) closes issue N, as Gitea does.
 * Issues and pull requests share a repository's index sequence.
 */
export interface StandInLabel {
  id: number;
  name: string;
  color: string;
  description: string;
  exclusive: boolean;
}

export interface StandInIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  poster: string;
  state: 'open' | 'closed';
  /** Label ids. */
  labels: number[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** What the tracker keeps across a restart, by repository (`owner/name`, lower case). */
export interface SavedIssues {
  labels: Record<string, StandInLabel[]>;
  issues: Record<string, StandInIssue[]>;
}

type Handler = (ctx: HandlerContext) => Reply;

export class IssueTracker {
  readonly labels = new Map<string, StandInLabel[]>();
  readonly issues = new Map<string, Map<number, StandInIssue>>();

  constructor(
    private readonly state: GiteaState,
    private readonly rootUrl: string,
  ) {}

  save(): SavedIssues {
    return {
      labels: Object.fromEntries(this.labels),
      issues: Object.fromEntries([...this.issues].map(([key, map]) => [key, [...map.values()]])),
    };
  }

  restore(saved: SavedIssues | undefined): void {
    if (!saved) return;
    for (const [key, list] of Object.entries(saved.labels)) this.labels.set(key, list);
    for (const [key, list] of Object.entries(saved.issues)) this.issues.set(key, new Map(list.map((issue) => [issue.number, issue])));
  }

  reset(): void {
    this.labels.clear();
    this.issues.clear();
  }

  labelsOf(repo: StandInRepo): StandInLabel[] {
    const key = keyOf(repo);
    let list = this.labels.get(key);
    if (!list) this.labels.set(key, (list = []));
    return list;
  }

  issuesOf(repo: StandInRepo): Map<number, StandInIssue> {
    const key = keyOf(repo);
    let map = this.issues.get(key);
    if (!map) this.issues.set(key, (map = new Map()));
    return map;
  }

  label(repo: StandInRepo, l: StandInLabel) {
    return {
      id: l.id,
      name: l.name,
      color: l.color,
      description: l.description,
      exclusive: l.exclusive,
      is_archived: false,
      url: `${this.rootUrl}/api/v1/repos/${repo.owner}/${repo.name}/labels/${l.id}`,
    };
  }

  /** convert.ToAPIIssue for an issue (not a pull request). */
  issue(repo: StandInRepo, i: StandInIssue) {
    const user = this.state.owner(i.poster);
    const loop = reviewLoopOf(this.state);
    const labels = this.labelsOf(repo);
    return {
      id: i.id,
      url: `${this.rootUrl}/api/v1/repos/${repo.owner}/${repo.name}/issues/${i.number}`,
      html_url: `${this.rootUrl}/${repo.owner}/${repo.name}/issues/${i.number}`,
      number: i.number,
      user: user ? loop.shapes.sender(user) : null,
      original_author: '',
      original_author_id: 0,
      title: i.title,
      body: i.body,
      ref: '',
      assets: [],
      labels: i.labels.flatMap((id) => labels.filter((l) => l.id === id)).map((l) => this.label(repo, l)),
      milestone: null,
      assignee: null,
      assignees: null,
      state: i.state,
      is_locked: false,
      comments: loop.commentsOf(repo).filter((c) => c.issue === i.number).length,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      due_date: null,
      pull_request: null,
      repository: { id: repo.id, name: repo.name, owner: repo.owner, full_name: `${repo.owner}/${repo.name}` },
      pin_order: 0,
    };
  }

  /** An IssuePayload (`issues` or `issue_label`). */
  issueEvent(eventType: 'issues' | 'issue_label', action: string, repo: StandInRepo, issue: StandInIssue, sender: StandInUser, changes?: Record<string, unknown>): void {
    const loop = reviewLoopOf(this.state);
    const payload = {
      action,
      number: issue.number,
      ...(changes ? { changes } : {}),
      issue: this.issue(repo, issue),
      repository: loop.repositoryShape(repo),
      sender: loop.shapes.sender(sender),
      commit_id: '',
    };
    loop.emitEvent(repo, eventType, payload, IssuePayloadSchema);
  }

  /** An IssueCommentPayload about a comment on an issue (`issue_comment`). */
  commentEvent(action: 'created' | 'edited', repo: StandInRepo, issue: StandInIssue, comment: StandInComment, sender: StandInUser, from?: string): void {
    const loop = reviewLoopOf(this.state);
    loop.issueCommentEvent(repo, this.issue(repo, issue), comment, sender, action, from === undefined ? undefined : { body: { from } });
  }

  /** After a merge: the issues the pull request's body closes (close/closes/closed, fix…, resolve… #N). */
  closeReferenced(repo: StandInRepo, body: string, sender: StandInUser): void {
    const pattern = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b/gi;
    for (const match of body.matchAll(pattern)) {
      const issue = this.issuesOf(repo).get(Number(match[1]));
      if (!issue || issue.state !== 'open') continue;
      const at = now();
      Object.assign(issue, { state: 'closed', closedAt: at, updatedAt: at });
      this.issueEvent('issues', 'closed', repo, issue, sender);
    }
  }
}

const keyOf = (repo: StandInRepo) => `${repo.owner}/${repo.name}`.toLowerCase();
const trackers = new WeakMap<GiteaState, IssueTracker>();

export function attachIssueTracker(state: GiteaState, rootUrl: string): IssueTracker {
  const tracker = new IssueTracker(state, rootUrl);
  trackers.set(state, tracker);
  return tracker;
}

export function issueTrackerOf(state: GiteaState): IssueTracker {
  const tracker = trackers.get(state);
  if (!tracker) throw new Error('the stand-in has no issue tracker attached');
  return tracker;
}

const NOT_FOUND = "The target couldn't be found.";
const notFound = (ctx: HandlerContext, middleware = false): Reply => ({ status: 404, body: ctx.shapes.apiError(NOT_FOUND, { errors: null }), middleware });
const invalid = (ctx: HandlerContext, message: string): Reply => ({ status: 422, body: ctx.shapes.apiError(message) });
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

function withRepo(ctx: HandlerContext, fn: (repo: StandInRepo, tracker: IssueTracker) => Reply): Reply {
  const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo);
  return repo ? fn(repo, issueTrackerOf(ctx.state)) : notFound(ctx, true);
}

function withIssue(ctx: HandlerContext, fn: (repo: StandInRepo, issue: StandInIssue, tracker: IssueTracker) => Reply): Reply {
  return withRepo(ctx, (repo, tracker) => {
    const issue = tracker.issuesOf(repo).get(Number(ctx.params.index));
    return issue ? fn(repo, issue, tracker) : notFound(ctx);
  });
}

function paginate<T>(ctx: HandlerContext, items: T[]): { page: T[]; headers: Record<string, string> } {
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const limit = Math.min(Math.max(1, Number(ctx.query.get('limit') ?? 0) || 30), 50);
  return { page: items.slice((page - 1) * limit, page * limit), headers: { 'X-Total-Count': String(items.length) } };
}

/** Label ids from IssueLabelsOption.labels: ids or names (Gitea 1.22 takes both); unknown ones are left out, as Gitea does. */
function labelIds(labels: StandInLabel[], given: unknown): number[] {
  if (!Array.isArray(given)) return [];
  const ids = given.flatMap((entry) => {
    const found = typeof entry === 'number' ? labels.find((l) => l.id === entry) : typeof entry === 'string' ? labels.find((l) => l.name === entry || String(l.id) === entry) : undefined;
    return found ? [found.id] : [];
  });
  return [...new Set(ids)];
}

function changeLabels(ctx: HandlerContext, repo: StandInRepo, issue: StandInIssue, tracker: IssueTracker, next: number[]): void {
  const same = next.length === issue.labels.length && next.every((id) => issue.labels.includes(id));
  if (same) return;
  issue.labels = next;
  issue.updatedAt = now();
  tracker.issueEvent('issue_label', next.length ? 'label_updated' : 'label_cleared', repo, issue, ctx.user!);
}

const labelsReply = (repo: StandInRepo, issue: StandInIssue, tracker: IssueTracker): Reply => ({
  status: 200,
  body: issue.labels.flatMap((id) => tracker.labelsOf(repo).filter((l) => l.id === id)).map((l) => tracker.label(repo, l)),
});

export const issueHandlers: Record<string, Handler> = {
  issueListLabels: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const { page, headers } = paginate(ctx, tracker.labelsOf(repo));
      return { status: 200, body: page.map((l) => tracker.label(repo, l)), headers };
    }),

  issueCreateLabel: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const name = str(ctx.body?.name)?.trim();
      const color = str(ctx.body?.color)?.trim().replace(/^#/, '');
      if (!name) return invalid(ctx, '[Name]: Required');
      if (!color || !/^[0-9a-fA-F]{6}$/.test(color)) return invalid(ctx, 'Color: invalid color');
      const label: StandInLabel = { id: reviewLoopOf(ctx.state).newId(), name, color: `#${color.toLowerCase()}`, description: str(ctx.body?.description) ?? '', exclusive: ctx.body?.exclusive === true };
      tracker.labelsOf(repo).push(label);
      return { status: 201, body: tracker.label(repo, label) };
    }),

  issueListIssues: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const state = ctx.query.get('state') ?? 'open';
      const wanted = (ctx.query.get('labels') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
      const labels = tracker.labelsOf(repo);
      const type = ctx.query.get('type');
      const all = type === 'pulls' ? [] : [...tracker.issuesOf(repo).values()]
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => wanted.every((name) => labels.some((l) => l.name === name && i.labels.includes(l.id))))
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(ctx, all);
      return { status: 200, body: page.map((i) => tracker.issue(repo, i)), headers };
    }),

  issueCreateIssue: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const title = str(ctx.body?.title)?.trim();
      if (!title) return invalid(ctx, '[Title]: Required');
      const at = now();
      const issue: StandInIssue = {
        id: ctx.state.nextPullId(),
        number: repo.nextIndex++,
        title,
        body: str(ctx.body?.body) ?? '',
        poster: ctx.user!.login,
        state: 'open',
        labels: labelIds(tracker.labelsOf(repo), ctx.body?.labels),
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      };
      if (ctx.body?.closed === true) Object.assign(issue, { state: 'closed', closedAt: at });
      tracker.issuesOf(repo).set(issue.number, issue);
      tracker.issueEvent('issues', 'opened', repo, issue, ctx.user!);
      return { status: 201, body: tracker.issue(repo, issue) };
    }),

  issueGetIssue: (ctx) => withIssue(ctx, (repo, issue, tracker) => ({ status: 200, body: tracker.issue(repo, issue) })),

  /** Title, body and state (open/closed); each change its own webhook, as Gitea's EditIssue does. */
  issueEditIssue: (ctx) =>
    withIssue(ctx, (repo, issue, tracker) => {
      const body = ctx.body ?? {};
      const state = str(body.state);
      if (state !== undefined && state !== 'open' && state !== 'closed') return invalid(ctx, `unknown state: ${state}`);
      const changes: Record<string, { from: string }> = {};
      const title = str(body.title)?.trim();
      if (title && title !== issue.title) {
        changes.title = { from: issue.title };
        issue.title = title;
      }
      const text = str(body.body);
      if (text !== undefined && text !== issue.body) {
        changes.body = { from: issue.body };
        issue.body = text;
      }
      const at = now();
      if (Object.keys(changes).length) {
        issue.updatedAt = at;
        for (const [field, change] of Object.entries(changes)) tracker.issueEvent('issues', 'edited', repo, issue, ctx.user!, { [field]: change });
      }
      if (state && state !== issue.state) {
        Object.assign(issue, { state, closedAt: state === 'closed' ? at : null, updatedAt: at });
        tracker.issueEvent('issues', state === 'closed' ? 'closed' : 'reopened', repo, issue, ctx.user!);
      }
      return { status: 201, body: tracker.issue(repo, issue) };
    }),

  issueGetLabels: (ctx) => withIssue(ctx, (repo, issue, tracker) => labelsReply(repo, issue, tracker)),

  issueAddLabel: (ctx) =>
    withIssue(ctx, (repo, issue, tracker) => {
      changeLabels(ctx, repo, issue, tracker, [...new Set([...issue.labels, ...labelIds(tracker.labelsOf(repo), ctx.body?.labels)])]);
      return labelsReply(repo, issue, tracker);
    }),

  issueReplaceLabels: (ctx) =>
    withIssue(ctx, (repo, issue, tracker) => {
      changeLabels(ctx, repo, issue, tracker, labelIds(tracker.labelsOf(repo), ctx.body?.labels));
      return labelsReply(repo, issue, tracker);
    }),

  issueRemoveLabel: (ctx) =>
    withIssue(ctx, (repo, issue, tracker) => {
      const id = Number(ctx.params.id);
      if (!tracker.labelsOf(repo).some((l) => l.id === id)) return invalid(ctx, `label ${id} does not exist`);
      if (!issue.labels.includes(id)) return notFound(ctx);
      changeLabels(ctx, repo, issue, tracker, issue.labels.filter((l) => l !== id));
      return { status: 204 };
    }),

  issueClearLabels: (ctx) =>
    withIssue(ctx, (repo, issue, tracker) => {
      changeLabels(ctx, repo, issue, tracker, []);
      return { status: 204 };
    }),

  /** A comment on an issue here; on a pull request, the review loop's. */
  issueCreateComment: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const issue = tracker.issuesOf(repo).get(Number(ctx.params.index));
      if (!issue) return reviewHandlers.issueCreateComment(ctx);
      const text = str(ctx.body?.body);
      if (text === undefined) return invalid(ctx, '[Body]: Required');
      const loop = reviewLoopOf(ctx.state);
      const at = now();
      const comment: StandInComment = { id: loop.newId(), issue: issue.number, author: ctx.user!.login, body: text, createdAt: at };
      loop.commentsOf(repo).push(comment);
      issue.updatedAt = at;
      tracker.commentEvent('created', repo, issue, comment, ctx.user!);
      return { status: 201, body: loop.shapes.comment(repo, comment, false) };
    }),

  issueGetComments: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const issue = tracker.issuesOf(repo).get(Number(ctx.params.index));
      if (!issue) return reviewHandlers.issueGetComments(ctx);
      const loop = reviewLoopOf(ctx.state);
      return { status: 200, body: loop.commentsOf(repo).filter((c) => c.issue === issue.number).map((c) => loop.shapes.comment(repo, c, false)) };
    }),

  issueGetComment: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const loop = reviewLoopOf(ctx.state);
      const comment = loop.commentsOf(repo).find((c) => c.id === Number(ctx.params.id));
      if (!comment) return notFound(ctx);
      return { status: 200, body: loop.shapes.comment(repo, comment, !tracker.issuesOf(repo).has(comment.issue)) };
    }),

  /** Gitea's EditIssueComment: only the poster (or an admin) may; the same body changes nothing and sends nothing. */
  issueEditComment: (ctx) =>
    withRepo(ctx, (repo, tracker) => {
      const loop = reviewLoopOf(ctx.state);
      const comment = loop.commentsOf(repo).find((c) => c.id === Number(ctx.params.id));
      if (!comment) return notFound(ctx);
      if (comment.author.toLowerCase() !== ctx.user!.login.toLowerCase()) return { status: 403, body: ctx.shapes.apiError('user cannot edit this comment') };
      const text = str(ctx.body?.body);
      if (text === undefined) return invalid(ctx, '[Body]: Required');
      const issue = tracker.issuesOf(repo).get(comment.issue);
      if (text !== comment.body) {
        const from = comment.body;
        comment.body = text;
        comment.updatedAt = now();
        if (issue) tracker.commentEvent('edited', repo, issue, comment, ctx.user!, from);
      }
      return { status: 200, body: loop.shapes.comment(repo, comment, !issue) };
    }),

  issueDeleteComment: (ctx) =>
    withRepo(ctx, (repo) => {
      const comments = reviewLoopOf(ctx.state).commentsOf(repo);
      const index = comments.findIndex((c) => c.id === Number(ctx.params.id));
      if (index < 0) return notFound(ctx);
      if (comments[index].author.toLowerCase() !== ctx.user!.login.toLowerCase()) return { status: 403, body: ctx.shapes.apiError('user cannot delete this comment') };
      comments.splice(index, 1);
      return { status: 204 };
    }),

  /** Merging, then closing the issues its body references (as Gitea's merge does). */
  repoMergePullRequest: (ctx) => {
    const reply = reviewHandlers.repoMergePullRequest(ctx);
    if (reply.status === 200) {
      const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo)!;
      const pull = repo.pulls.get(Number(ctx.params.index))!;
      issueTrackerOf(ctx.state).closeReferenced(repo, `${pull.title}\n${pull.body}`, ctx.user!);
    }
    return reply;
  },
};
