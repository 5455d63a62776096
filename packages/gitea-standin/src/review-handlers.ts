import { handlers as base, type HandlerContext, type Reply } from './handlers.js';
import { reviewLoopOf } from './review-loop.js';
import type { StandInHook, StandInReview } from './review-shapes.js';
import { now, type StandInPull, type StandInRepo } from './state.js';
import { expandEvents } from './webhook-payloads.js';

/**
 * The stand-in's review loop operations, by Swagger operationId: repository hooks, pull request reviews,
 * comments, closing and reopening a pull request, and the webhooks that opening and merging one send.
 * Behaviour follows Gitea 1.22 (routers/api/v1/repo/hook.go, pull_review.go, issue_comment.go, pull.go).
 */
type Handler = (ctx: HandlerContext) => Reply;

const NOT_FOUND = "The target couldn't be found.";
const notFound = (ctx: HandlerContext, middleware = false): Reply => ({ status: 404, body: ctx.shapes.apiError(NOT_FOUND, { errors: null }), middleware });
const invalid = (ctx: HandlerContext, message: string): Reply => ({ status: 422, body: ctx.shapes.apiError(message) });
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

function withRepo(ctx: HandlerContext, fn: (repo: StandInRepo) => Reply): Reply {
  const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo);
  return repo ? fn(repo) : notFound(ctx, true);
}

function withPull(ctx: HandlerContext, fn: (repo: StandInRepo, pull: StandInPull) => Reply): Reply {
  return withRepo(ctx, (repo) => {
    const pull = repo.pulls.get(Number(ctx.params.index));
    return pull ? fn(repo, pull) : notFound(ctx);
  });
}

function withHook(ctx: HandlerContext, fn: (repo: StandInRepo, hook: StandInHook, hooks: StandInHook[]) => Reply): Reply {
  return withRepo(ctx, (repo) => {
    const hooks = reviewLoopOf(ctx.state).hooksOf(repo);
    const hook = hooks.find((candidate) => candidate.id === Number(ctx.params.id));
    return hook ? fn(repo, hook, hooks) : notFound(ctx);
  });
}

/** checkCreateHookOption: a known type, `url` and `content_type` in config, content_type json or form. */
function hookConfigProblem(type: string | undefined, config: Record<string, unknown>): string | undefined {
  const types = ['dingtalk', 'discord', 'gitea', 'gogs', 'msteams', 'slack', 'telegram', 'feishu', 'wechatwork', 'packagist', 'matrix'];
  if (type !== undefined && !types.includes(type)) return 'Invalid hook type';
  for (const name of ['url', 'content_type']) if (!(name in config)) return `Missing config option: ${name}`;
  if (!['json', 'form'].includes(String(config.content_type))) return 'Invalid content type';
  return undefined;
}

const REVIEW_EVENTS: Record<string, { state: StandInReview['state']; hook?: string; needsBody: boolean; notOwn?: string }> = {
  APPROVED: { state: 'APPROVED', hook: 'pull_request_review_approved', needsBody: false, notOwn: 'approve your own pull is not allowed' },
  REQUEST_CHANGES: { state: 'REQUEST_CHANGES', hook: 'pull_request_review_rejected', needsBody: true, notOwn: 'reject your own pull is not allowed' },
  COMMENT: { state: 'COMMENT', hook: 'pull_request_review_comment', needsBody: true },
};

export const reviewHandlers: Record<string, Handler> = {
  /** A personal access token (Gitea requires basic auth here; the stand-in's people have no passwords). */
  userCreateToken: (ctx) => {
    const user = ctx.user!;
    if (ctx.params.username.toLowerCase() !== user.login.toLowerCase()) return { status: 403, body: ctx.shapes.apiError('user should be the owner of the token') };
    const name = str(ctx.body?.name);
    if (!name) return { status: 400, body: ctx.shapes.apiError('[Name]: Required') };
    const token = reviewLoopOf(ctx.state).newToken(user);
    const scopes = Array.isArray(ctx.body?.scopes) ? (ctx.body!.scopes as unknown[]).map(String) : [];
    return { status: 201, body: { id: reviewLoopOf(ctx.state).newId(), name, scopes, sha1: token, token_last_eight: token.slice(-8) } };
  },

  repoListHooks: (ctx) =>
    withRepo(ctx, (repo) => {
      const loop = reviewLoopOf(ctx.state);
      return { status: 200, body: loop.hooksOf(repo).map((hook) => loop.shapes.hook(hook)), headers: { 'X-Total-Count': String(loop.hooksOf(repo).length) } };
    }),

  repoGetHook: (ctx) => withHook(ctx, (_repo, hook) => ({ status: 200, body: reviewLoopOf(ctx.state).shapes.hook(hook) })),

  repoCreateHook: (ctx) =>
    withRepo(ctx, (repo) => {
      const body = ctx.body ?? {};
      const config = (body.config ?? {}) as Record<string, unknown>;
      const problem = hookConfigProblem(str(body.type), config);
      if (problem || !str(body.type)) return invalid(ctx, problem ?? 'Invalid hook type');
      const loop = reviewLoopOf(ctx.state);
      const at = now();
      const hook: StandInHook = {
        id: loop.newId(),
        type: str(body.type)!,
        url: String(config.url),
        contentType: config.content_type === 'form' ? 'form' : 'json',
        secret: str(config.secret) ?? '',
        events: expandEvents(body.events as string[] | undefined),
        active: body.active === true,
        branchFilter: str(body.branch_filter) ?? '',
        authorizationHeader: str(body.authorization_header) ?? '',
        createdAt: at,
        updatedAt: at,
      };
      loop.hooksOf(repo).push(hook);
      return { status: 201, body: loop.shapes.hook(hook) };
    }),

  repoEditHook: (ctx) =>
    withHook(ctx, (_repo, hook) => {
      const body = ctx.body ?? {};
      const config = body.config as Record<string, unknown> | undefined;
      if (config) {
        if (config.content_type !== undefined && !['json', 'form'].includes(String(config.content_type))) return invalid(ctx, 'Invalid content type');
        if (str(config.url)) hook.url = String(config.url);
        if (config.content_type !== undefined) hook.contentType = config.content_type === 'form' ? 'form' : 'json';
        if (config.secret !== undefined) hook.secret = String(config.secret);
      }
      // Gitea's editHook sets the events, branch filter and authorization header every time (no events: push only).
      hook.events = expandEvents(Array.isArray(body.events) ? (body.events as string[]) : undefined);
      hook.branchFilter = str(body.branch_filter) ?? '';
      hook.authorizationHeader = str(body.authorization_header) ?? '';
      if (typeof body.active === 'boolean') hook.active = body.active;
      hook.updatedAt = now();
      return { status: 200, body: reviewLoopOf(ctx.state).shapes.hook(hook) };
    }),

  repoDeleteHook: (ctx) =>
    withHook(ctx, (_repo, hook, hooks) => {
      hooks.splice(hooks.indexOf(hook), 1);
      return { status: 204 };
    }),

  repoListPullReviews: (ctx) =>
    withPull(ctx, (repo, pull) => {
      const loop = reviewLoopOf(ctx.state);
      const reviews = loop.reviewsOf(repo).filter((review) => review.pull === pull.number);
      return { status: 200, body: reviews.map((review) => loop.shapes.review(repo, review)) };
    }),

  repoCreatePullReview: (ctx) =>
    withPull(ctx, (repo, pull) => {
      const body = ctx.body ?? {};
      const text = str(body.body) ?? '';
      const hasComments = Array.isArray(body.comments) && body.comments.length > 0;
      const kind = REVIEW_EVENTS[str(body.event) ?? ''] ?? { state: 'PENDING' as const, needsBody: false };
      const user = ctx.user!;
      if (kind.notOwn && pull.poster.toLowerCase() === user.login.toLowerCase()) return invalid(ctx, kind.notOwn);
      if (kind.needsBody && !text.trim() && !hasComments) return invalid(ctx, `Review event ${String(body.event)} requires a body`);
      const loop = reviewLoopOf(ctx.state);
      const at = now();
      const review: StandInReview = {
        id: loop.newId(),
        pull: pull.number,
        reviewer: user.login,
        state: kind.state,
        body: text,
        commitId: str(body.commit_id) || (repo.branches.get(pull.head)?.commit.sha ?? ''),
        submittedAt: at,
      };
      loop.reviewsOf(repo).push(review);
      if (kind.hook) {
        pull.updatedAt = at;
        loop.pullRequestEvent(kind.hook, 'reviewed', repo, pull, user, { type: kind.hook, content: text });
      }
      return { status: 200, body: loop.shapes.review(repo, review) };
    }),

  issueCreateComment: (ctx) =>
    withRepo(ctx, (repo) => {
      const pull = repo.pulls.get(Number(ctx.params.index));
      // The stand-in has no issues, only pull requests (which are issues in Gitea).
      if (!pull) return notFound(ctx);
      const text = str(ctx.body?.body);
      if (text === undefined) return invalid(ctx, '[Body]: Required');
      const loop = reviewLoopOf(ctx.state);
      const comment = { id: loop.newId(), issue: pull.number, author: ctx.user!.login, body: text, createdAt: now() };
      loop.commentsOf(repo).push(comment);
      pull.updatedAt = comment.createdAt;
      loop.pullCommentEvent(repo, pull, comment, ctx.user!);
      return { status: 201, body: loop.shapes.comment(repo, comment, true) };
    }),

  issueGetComments: (ctx) =>
    withRepo(ctx, (repo) => {
      const pull = repo.pulls.get(Number(ctx.params.index));
      if (!pull) return notFound(ctx);
      const loop = reviewLoopOf(ctx.state);
      return { status: 200, body: loop.commentsOf(repo).filter((c) => c.issue === pull.number).map((c) => loop.shapes.comment(repo, c, true)) };
    }),

  /** Closing or reopening by `state` (other edits: title and body). */
  repoEditPullRequest: (ctx) =>
    withPull(ctx, (repo, pull) => {
      const body = ctx.body ?? {};
      const at = now();
      if (str(body.title)) pull.title = str(body.title)!;
      if (str(body.body) !== undefined) pull.body = str(body.body)!;
      const state = str(body.state);
      let action: string | undefined;
      if (state === 'closed' && pull.state === 'open') {
        Object.assign(pull, { state: 'closed', closedAt: at });
        action = 'closed';
      } else if (state === 'open' && pull.state === 'closed') {
        if (pull.merged) return { status: 409, body: ctx.shapes.apiError('cannot reopen a merged pull request') };
        Object.assign(pull, { state: 'open', closedAt: null });
        action = 'reopened';
      }
      pull.updatedAt = at;
      if (action) reviewLoopOf(ctx.state).pullRequestEvent('pull_request', action, repo, pull, ctx.user!);
      return { status: 201, body: ctx.shapes.pullRequest(repo, pull) };
    }),

  /** Opening a pull request: Gitea's answer, then a `pull_request` `opened` webhook. */
  repoCreatePullRequest: (ctx) => {
    const reply = base.repoCreatePullRequest(ctx);
    if (reply.status === 201) {
      const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo)!;
      const pull = repo.pulls.get((reply.body as { number: number }).number)!;
      reviewLoopOf(ctx.state).pullRequestEvent('pull_request', 'opened', repo, pull, ctx.user!);
    }
    return reply;
  },

  /** Merging (by whoever's token it is): Gitea's answer, then a `pull_request` `closed` webhook with `merged: true`. */
  repoMergePullRequest: (ctx) => {
    const reply = base.repoMergePullRequest(ctx);
    if (reply.status === 200) {
      const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo)!;
      const pull = repo.pulls.get(Number(ctx.params.index))!;
      reviewLoopOf(ctx.state).pullRequestEvent('pull_request', 'closed', repo, pull, ctx.user!);
    }
    return reply;
  },
};
