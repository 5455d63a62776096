import type { Shapes } from './shapes.js';
import { GitRepository, type MergeStyle } from './git-store.js';
import { identityOf, now, type GiteaState, type StandInRepo, type StandInUser } from './state.js';

/** What a handler answers; `middleware` marks answers Gitea gives before the operation runs. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  middleware?: boolean;
}

export interface HandlerContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  user: StandInUser | undefined;
  state: GiteaState;
  shapes: Shapes;
  version: string;
}

type Handler = (ctx: HandlerContext) => Reply;

const NOT_FOUND = "The target couldn't be found.";
const DEFAULT_PAGE_SIZE = 30;
const MAX_PAGE_SIZE = 50;

function error(ctx: HandlerContext, status: number, message: string, middleware = false): Reply {
  return { status, body: ctx.shapes.apiError(message), middleware };
}

function notFound(ctx: HandlerContext, middleware = false): Reply {
  return { status: 404, body: ctx.shapes.apiError(NOT_FOUND, { errors: null }), middleware };
}

/** Gitea's repoAssignment middleware: unknown owner or repository → 404 on every repo route. */
function withRepo(ctx: HandlerContext, fn: (repo: StandInRepo) => Reply): Reply {
  const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo);
  return repo ? fn(repo) : notFound(ctx, true);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function paginate<T>(ctx: HandlerContext, items: T[]): Reply & { body: T[] } {
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const askedLimit = Number(ctx.query.get('limit') ?? 0) || DEFAULT_PAGE_SIZE;
  const limit = Math.min(Math.max(1, askedLimit), MAX_PAGE_SIZE);
  return {
    status: 200,
    body: items.slice((page - 1) * limit, page * limit),
    headers: { 'X-Total-Count': String(items.length) },
  };
}

function createRepo(ctx: HandlerContext, owner: string): Reply {
  const b = ctx.body ?? {};
  const name = str(b.name);
  if (!name) return error(ctx, 422, '[Name]: Required');
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name) || name === '.' || name === '..') return error(ctx, 422, '[Name]: AlphaDashDot');
  if (ctx.state.repo(owner, name)) return error(ctx, 409, 'The repository with the same name already exists.');
  const repo = ctx.state.createRepo({
    owner,
    name,
    description: str(b.description),
    private: b.private === true,
    defaultBranch: str(b.default_branch),
    autoInit: b.auto_init === true,
  });
  return { status: 201, body: ctx.shapes.repository(repo, ctx.user) };
}

const MERGE_STYLES = new Set(['merge', 'squash', 'fast-forward-only', 'rebase', 'rebase-merge']);

/** Handlers by Swagger operationId. */
export const handlers: Record<string, Handler> = {
  getVersion: (ctx) => ({ status: 200, body: { version: ctx.version } }),

  userGetCurrent: (ctx) => ({ status: 200, body: ctx.shapes.user(ctx.user!) }),

  createCurrentUserRepo: (ctx) => createRepo(ctx, ctx.user!.login),

  createOrgRepo: (ctx) => {
    const org = ctx.state.orgs.get(ctx.params.org.toLowerCase());
    if (!org) return notFound(ctx, true);
    return createRepo(ctx, org.login);
  },

  repoGet: (ctx) => withRepo(ctx, (repo) => ({ status: 200, body: ctx.shapes.repository(repo, ctx.user) })),

  repoListBranches: (ctx) =>
    withRepo(ctx, (repo) => {
      const all = [...repo.branches.values()].sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(ctx, all);
      return { ...page, body: page.body.map((b) => ctx.shapes.branch(repo, b)) };
    }),

  repoGetBranch: (ctx) =>
    withRepo(ctx, (repo) => {
      const branch = repo.branches.get(ctx.params.branch);
      return branch ? { status: 200, body: ctx.shapes.branch(repo, branch) } : error(ctx, 404, 'Branch Not Found');
    }),

  repoCreateBranch: (ctx) =>
    withRepo(ctx, (repo) => {
      const b = ctx.body ?? {};
      const name = str(b.new_branch_name);
      if (!name) return error(ctx, 422, '[BranchName]: Required');
      const fromRef = str(b.old_ref_name) || str(b.old_branch_name) || repo.defaultBranch;
      // A branch, a tag or a commit id, resolved by git itself.
      const fromSha = repo.branches.get(fromRef)?.commit.sha ?? repo.git.resolve(fromRef);
      if (!fromSha) return error(ctx, 404, 'The old branch does not exist');
      if (!GitRepository.validBranchName(name)) return error(ctx, 422, '[BranchName]: GitRefName', true);
      if (repo.branches.has(name)) return error(ctx, 409, 'The branch already exists.');
      // '' as the old value: created only if it still does not exist (a concurrent create gets 409).
      if (!repo.git.setBranch(name, fromSha, '')) return error(ctx, 409, 'The branch already exists.');
      repo.updatedAt = now();
      return { status: 201, body: ctx.shapes.branch(repo, repo.branches.get(name)!) };
    }),

  repoListPullRequests: (ctx) =>
    withRepo(ctx, (repo) => {
      const state = ctx.query.get('state') ?? 'open';
      const all = [...repo.pulls.values()]
        .filter((p) => state === 'all' || p.state === state)
        .sort((a, b) => b.number - a.number);
      const page = paginate(ctx, all);
      return { ...page, body: page.body.map((p) => ctx.shapes.pullRequest(repo, p)) };
    }),

  repoCreatePullRequest: (ctx) =>
    withRepo(ctx, (repo) => {
      const b = ctx.body ?? {};
      const title = str(b.title);
      const headRaw = str(b.head);
      const base = str(b.base);
      if (!headRaw || !base || !title) {
        const missing = [!headRaw && 'Head', !base && 'Base', !title && 'Title'].filter(Boolean);
        return error(ctx, 422, missing.map((m) => `[${m}]: Required`).join(', '));
      }
      // "owner:branch" names a branch of a fork; the stand-in only knows same-repository pull requests.
      const head = headRaw.includes(':') ? headRaw.slice(headRaw.indexOf(':') + 1) : headRaw;
      if (head === base) return error(ctx, 422, 'Invalid PullRequest: There are no changes between the head and the base');
      if (!repo.branches.has(base) || !repo.branches.has(head)) return notFound(ctx);
      const existing = [...repo.pulls.values()].find((p) => p.state === 'open' && p.head === head && p.base === base);
      if (existing) {
        return error(
          ctx,
          409,
          `pull request already exists for these targets [id: ${existing.id}, issue_id: ${existing.id}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${head}, base_branch: ${base}]`,
        );
      }
      const t = now();
      const pull = {
        id: ctx.state.nextPullId(),
        number: repo.nextIndex++,
        title,
        body: str(b.body) ?? '',
        head,
        base,
        poster: ctx.user!.login,
        state: 'open' as const,
        merged: false,
        mergeable: true,
        mergedAt: null,
        mergedBy: null,
        mergeCommitSha: null,
        mergeBase: repo.git.mergeBase(repo.branches.get(base)!.commit.sha, repo.branches.get(head)!.commit.sha) ?? repo.branches.get(base)!.commit.sha,
        createdAt: t,
        updatedAt: t,
        closedAt: null,
      };
      repo.pulls.set(pull.number, pull);
      return { status: 201, body: ctx.shapes.pullRequest(repo, pull) };
    }),

  repoGetPullRequest: (ctx) =>
    withRepo(ctx, (repo) => {
      const pull = repo.pulls.get(Number(ctx.params.index));
      return pull ? { status: 200, body: ctx.shapes.pullRequest(repo, pull) } : notFound(ctx);
    }),

  repoPullRequestIsMerged: (ctx) =>
    withRepo(ctx, (repo) => {
      const pull = repo.pulls.get(Number(ctx.params.index));
      return pull?.merged ? { status: 204 } : notFound(ctx);
    }),

  repoMergePullRequest: (ctx) =>
    withRepo(ctx, (repo) => {
      const pull = repo.pulls.get(Number(ctx.params.index));
      if (!pull) return notFound(ctx);
      const style = str(ctx.body?.Do);
      if (!style) return error(ctx, 422, '[Do]: Required');
      // Same order as Gitea's CheckPullMergeable: merged → 405, closed → 404, not mergeable → 405.
      if (pull.merged) return error(ctx, 405, '');
      if (pull.state !== 'open') return notFound(ctx);
      if (!ctx.shapes.mergeable(repo, pull)) return error(ctx, 405, 'Please try again later');
      if (!MERGE_STYLES.has(style)) return error(ctx, 405, `${style} is not allowed an allowed merge style for this repository`);
      // A real merge on the base branch, by git (a merge commit, a squash, a rebase or a fast-forward).
      const title = str(ctx.body?.MergeTitleField) || `Merge pull request '${pull.title}' (#${pull.number}) from ${pull.head} into ${pull.base}`;
      const message = [title, str(ctx.body?.MergeMessageField)].filter(Boolean).join('\n\n') + '\n';
      const merged = repo.git.merge(pull.base, pull.head, style as MergeStyle, message, identityOf(ctx.user!.login));
      if ('conflict' in merged) return { status: 409, body: ctx.shapes.apiError(merged.conflict) };
      const t = now();
      const sha = merged.sha;
      Object.assign(pull, { state: 'closed', merged: true, mergedAt: t, mergedBy: ctx.user!.login, mergeCommitSha: sha, updatedAt: t, closedAt: t });
      if (ctx.body?.delete_branch_after_merge === true) repo.branches.delete(pull.head);
      repo.updatedAt = t;
      return { status: 200 };
    }),
};
