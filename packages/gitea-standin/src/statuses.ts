import type { HandlerContext, Reply } from './handlers.js';
import { reviewLoopOf } from './review-loop.js';
import type { Shapes } from './shapes.js';
import { now, type GiteaState, type StandInRepo, type StandInUser } from './state.js';

/**
 * Commit statuses as Gitea 1.22 keeps them (models/git/commit_status.go): each status has a global id and
 * an index counting up per repository and commit; the API shows the index as `id`, the `status` webhook
 * payload the global id. The combined status takes the newest status of each context, and its state is
 * the worst of theirs: error < failure < warning < pending < success (CommitStatusState.NoBetterThan).
 */
export interface StandInStatus {
  id: number;
  index: number;
  sha: string;
  state: StatusState;
  context: string;
  description: string;
  targetUrl: string;
  creator: string;
  createdAt: string;
}

export const STATUS_STATES = ['pending', 'success', 'error', 'failure', 'warning'] as const;
export type StatusState = (typeof STATUS_STATES)[number];
const PRIORITY: Record<StatusState, number> = { error: 0, failure: 1, warning: 2, pending: 3, success: 4 };

/** What is kept across a restart: every status of every repository, and the id sequence. */
export interface SavedStatuses {
  nextId: number;
  byRepo: Record<string, StandInStatus[]>;
}

export class CommitStatuses {
  private readonly byRepo = new Map<string, StandInStatus[]>();
  private nextId = 1;

  save(): SavedStatuses {
    return { nextId: this.nextId, byRepo: Object.fromEntries(this.byRepo) };
  }

  restore(saved: SavedStatuses | undefined): void {
    if (!saved) return;
    this.nextId = saved.nextId;
    for (const [key, list] of Object.entries(saved.byRepo)) this.byRepo.set(key, list);
  }

  reset(): void {
    this.byRepo.clear();
  }

  private listOf(repo: StandInRepo): StandInStatus[] {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    let list = this.byRepo.get(key);
    if (!list) this.byRepo.set(key, (list = []));
    return list;
  }

  add(repo: StandInRepo, input: Omit<StandInStatus, 'id' | 'index' | 'createdAt'>): StandInStatus {
    const list = this.listOf(repo);
    const index = list.filter((status) => status.sha === input.sha).length + 1;
    const status: StandInStatus = { ...input, id: this.nextId++, index, createdAt: now() };
    list.push(status);
    return status;
  }

  of(repo: StandInRepo, sha: string): StandInStatus[] {
    return this.listOf(repo).filter((status) => status.sha === sha);
  }

  /** The newest status of each context (GetLatestCommitStatus), oldest context first. */
  latest(repo: StandInRepo, sha: string): StandInStatus[] {
    const newest = new Map<string, StandInStatus>();
    for (const status of this.of(repo, sha)) newest.set(status.context, status);
    return [...newest.values()].sort((a, b) => a.index - b.index);
  }
}

export function combinedState(statuses: Array<{ state: StatusState }>): StatusState | '' {
  let state: StatusState | '' = '';
  for (const status of statuses) if (state === '' || PRIORITY[status.state] <= PRIORITY[state]) state = status.state;
  return state;
}

const attached = new WeakMap<GiteaState, CommitStatuses>();

export function statusesOf(state: GiteaState): CommitStatuses {
  let statuses = attached.get(state);
  if (!statuses) attached.set(state, (statuses = new CommitStatuses()));
  return statuses;
}

function apiUrl(shapes: Shapes, repo: StandInRepo, sha: string): string {
  return `${shapes.apiError('').url.replace(/\/api\/swagger$/, '')}/api/v1/repos/${repo.owner}/${repo.name}/statuses/${sha}`;
}

/** convert.ToCommitStatus: `id` is the index, `updated_at` equals `created_at`. */
export function statusShape(shapes: Shapes, state: GiteaState, repo: StandInRepo, status: StandInStatus) {
  const creator = state.owner(status.creator);
  return {
    id: status.index,
    status: status.state,
    target_url: status.targetUrl,
    description: status.description,
    url: apiUrl(shapes, repo, status.sha),
    context: status.context,
    creator: creator ? shapes.user(creator) : null,
    created_at: status.createdAt,
    updated_at: status.createdAt,
  };
}

/** The `status` webhook payload (CommitStatusPayload, modules/structs/hook.go): the global id, the commit, the repository. */
export function statusPayload(shapes: Shapes, repo: StandInRepo, status: StandInStatus, sender: StandInUser) {
  const commit = status.sha;
  const root = apiUrl(shapes, repo, status.sha).replace(/\/api\/v1\/repos\/.*$/, '');
  return {
    commit: { id: commit, message: '', url: `${root}/${repo.owner}/${repo.name}/commit/${commit}`, author: null, committer: null, verification: null, timestamp: status.createdAt, added: null, removed: null, modified: null },
    context: status.context,
    created_at: status.createdAt,
    description: status.description,
    id: status.id,
    repository: shapes.repository(repo),
    sender: shapes.user(sender),
    sha: status.sha,
    state: status.state,
    target_url: status.targetUrl,
    updated_at: status.createdAt,
  };
}

const notFound = (ctx: HandlerContext, middleware = false): Reply => ({ status: 404, body: ctx.shapes.apiError("The target couldn't be found.", { errors: null }), middleware });
const badRequest = (ctx: HandlerContext, message: string): Reply => ({ status: 400, body: ctx.shapes.apiError(message) });
const str = (value: unknown) => (typeof value === 'string' ? value : '');

function withRepo(ctx: HandlerContext, fn: (repo: StandInRepo) => Reply): Reply {
  const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo);
  return repo ? fn(repo) : notFound(ctx, true);
}

/** Pages like Gitea's utils.GetListOptions: page from 1, limit default 30 (at most 50). */
function paged<T>(ctx: HandlerContext, items: T[]): T[] {
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const limit = Math.min(50, Math.max(1, Number(ctx.query.get('limit') ?? 30) || 30));
  return items.slice((page - 1) * limit, page * limit);
}

const SORTS: Record<string, (a: StandInStatus, b: StandInStatus) => number> = {
  oldest: (a, b) => a.index - b.index,
  recentupdate: (a, b) => b.index - a.index,
  leastupdate: (a, b) => a.index - b.index,
  leastindex: (a, b) => a.index - b.index,
  highestindex: (a, b) => b.index - a.index,
};

/** Commit status operations by Swagger operationId (routers/api/v1/repo/status.go). */
export const statusHandlers: Record<string, (ctx: HandlerContext) => Reply> = {
  repoCreateStatus: (ctx) =>
    withRepo(ctx, (repo) => {
      const sha = ctx.params.sha.trim();
      if (!sha) return badRequest(ctx, 'sha not given');
      const full = repo.git.resolve(sha);
      if (!full) return notFound(ctx);
      const state = str(ctx.body?.state);
      if (!(STATUS_STATES as readonly string[]).includes(state)) return badRequest(ctx, `invalid state "${state}": one of ${STATUS_STATES.join(', ')}`);
      const creator = ctx.user ?? [...ctx.state.users.values()][0];
      const status = statusesOf(ctx.state).add(repo, {
        sha: full,
        state: state as StatusState,
        context: str(ctx.body?.context).trim() || 'default',
        description: str(ctx.body?.description),
        targetUrl: str(ctx.body?.target_url),
        creator: creator.login,
      });
      const loop = reviewLoopOf(ctx.state);
      loop.statusEvent(repo, statusPayload(ctx.shapes, repo, status, creator));
      return { status: 201, body: statusShape(ctx.shapes, ctx.state, repo, status) };
    }),

  repoListStatuses: (ctx) =>
    withRepo(ctx, (repo) => {
      const sort = ctx.query.get('sort') ?? 'recentupdate';
      const wanted = ctx.query.get('state');
      const all = statusesOf(ctx.state)
        .of(repo, repo.git.resolve(ctx.params.sha) ?? ctx.params.sha)
        .filter((status) => !wanted || status.state === wanted)
        .sort(SORTS[sort] ?? SORTS.recentupdate);
      return { status: 200, body: paged(ctx, all).map((status) => statusShape(ctx.shapes, ctx.state, repo, status)), headers: { 'X-Total-Count': String(all.length) } };
    }),

  repoGetCombinedStatusByRef: (ctx) =>
    withRepo(ctx, (repo) => {
      const sha = repo.git.resolve(ctx.params.ref);
      if (!sha) return notFound(ctx);
      const latest = statusesOf(ctx.state).latest(repo, sha);
      // Gitea answers an empty CombinedStatus (zero values) for a commit without statuses.
      if (latest.length === 0) return { status: 200, body: { state: '', sha: '', total_count: 0, statuses: null, repository: null, commit_url: '', url: '' } };
      return {
        status: 200,
        headers: { 'X-Total-Count': String(latest.length) },
        body: {
          state: combinedState(latest),
          sha,
          total_count: latest.length,
          statuses: paged(ctx, latest).map((status) => statusShape(ctx.shapes, ctx.state, repo, status)),
          repository: ctx.shapes.repository(repo),
          commit_url: '',
          url: '',
        },
      };
    }),
};
