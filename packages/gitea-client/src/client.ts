import { giteaApi, type Branch, type CombinedStatus, type PullRequest, type Repository } from 'gitea-js';
import { GiteaError, toGiteaError } from './errors.js';
import { issueComments } from './issue-comments.js';
import type {
  GiteaBranch,
  GiteaClient,
  GiteaCombinedStatus,
  GiteaClientOptions,
  GiteaPullRequest,
  GiteaRepository,
} from './types.js';

const PAGE_SIZE = 50; // Gitea's default MAX_RESPONSE_ITEMS
const MAX_PAGES = 200;

/**
 * gitea-js interpolates path parameters verbatim: encode each one (a branch keeps its `/`). A segment of
 * `.` or `..` cannot be sent at all: URLs resolve them (even as `%2E%2E`) to another path, outside the
 * repository. Names are checked long before this (core's schemas/names.ts); this is the last guard.
 */
function encodeSegment(value: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new GiteaError(`"${value}" cannot be sent to Gitea as a path segment`, { operation: 'encodePath', retryable: false });
  }
  return encodeURIComponent(value);
}
const seg = (value: string) => encodeSegment(value);
const ref = (value: string) => value.split('/').map(encodeSegment).join('/');

function toRepository(r: Repository): GiteaRepository {
  return {
    fullName: r.full_name ?? '',
    defaultBranch: r.default_branch ?? '',
    htmlUrl: r.html_url ?? '',
    cloneUrl: r.clone_url ?? '',
  };
}

function toBranch(b: Branch): GiteaBranch {
  return { name: b.name ?? '', commitSha: b.commit?.id ?? '' };
}

function toPullRequest(p: PullRequest): GiteaPullRequest {
  return {
    number: p.number ?? 0,
    htmlUrl: p.html_url ?? '',
    state: p.state === 'closed' ? 'closed' : 'open',
    merged: p.merged ?? false,
    mergeable: p.mergeable ?? false,
    head: p.head?.ref ?? '',
    headSha: p.head?.sha ?? '',
    base: p.base?.ref ?? '',
  };
}

const COMMIT_STATES = ['pending', 'success', 'error', 'failure', 'warning'] as const;
const commitState = (value: unknown) => (COMMIT_STATES as readonly unknown[]).includes(value) ? (value as (typeof COMMIT_STATES)[number]) : undefined;

/** Gitea answers zero values (state "") for a commit without statuses; a state it may add later is left out. */
function toCombinedStatus(c: CombinedStatus): GiteaCombinedStatus {
  const statuses = (c.statuses ?? []).flatMap((s) => {
    const state = commitState(s.status);
    return state ? [{ id: s.id ?? 0, context: s.context ?? '', state, description: s.description ?? '', targetUrl: s.target_url ?? '', updatedAt: s.updated_at ?? s.created_at ?? '' }] : [];
  });
  return { sha: c.sha ?? '', state: commitState(c.state), statuses };
}

/** `owner:branch` (a fork's branch) → `branch`. */
function branchName(head: string): string {
  const colon = head.indexOf(':');
  return colon >= 0 ? head.slice(colon + 1) : head;
}

export function createGiteaClient(options: GiteaClientOptions): GiteaClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const observeGiteaCall = (operation: string, ms: number, status: number | string) => options.observe?.({ operation, ms: Math.round(ms), status });
  const rootUrl = options.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '');

  // Every call gets its own deadline, covering the response body too (the signal stays attached while reading).
  const timedFetch: typeof fetch = (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetchImpl(input, { ...init, signal });
  };
  const api = giteaApi(rootUrl, { token: options.token, customFetch: timedFetch });

  /** Runs one gitea-js call, returning its parsed body or throwing a classified GiteaError. */
  async function call<T>(operation: string, run: () => Promise<{ data: T; error: unknown }>, expectBody = true): Promise<T> {
    let res: { data: T; error: unknown };
    const started = performance.now();
    try {
      res = await run();
    } catch (err) {
      const error = toGiteaError(err, operation, timeoutMs);
      observeGiteaCall(operation, performance.now() - started, error.status ?? 'error');
      throw error;
    }
    observeGiteaCall(operation, performance.now() - started, (res as { status?: number }).status ?? (res.error ? 'error' : 200));
    // gitea-js swallows failures to read a 2xx body into `.error` (e.g. the deadline hit mid-body).
    if (expectBody && (res.data === null || res.data === undefined)) {
      const reason = res.error as { name?: string } | undefined;
      if (reason?.name === 'TimeoutError' || reason?.name === 'AbortError') throw toGiteaError(reason, operation, timeoutMs);
      throw new GiteaError(`Gitea ${operation} returned no usable body`, { operation, retryable: true, cause: res.error });
    }
    return res.data;
  }

  let login: string | undefined;
  async function currentLogin(): Promise<string> {
    login ??= (await call('getCurrentUser', () => api.user.userGetCurrent())).login ?? '';
    return login;
  }

  const client: GiteaClient = {
    getCurrentLogin: currentLogin,

    async ensureWebhook(owner, repo, { url, secret, events }) {
      const config = { url, content_type: 'json', secret };
      for (let page = 1; page <= MAX_PAGES; page++) {
        const hooks = await call('listHooks', () => api.repos.repoListHooks(seg(owner), seg(repo), { page, limit: PAGE_SIZE }));
        const found = hooks.find((hook) => hook.type === 'gitea' && hook.config?.url === url);
        if (found?.id !== undefined) {
          await call('editHook', () => api.repos.repoEditHook(seg(owner), seg(repo), found.id!, { active: true, config, events }));
          return { id: found.id, created: false };
        }
        if (hooks.length === 0 || hooks.length < PAGE_SIZE) break;
      }
      const created = await call('createHook', () => api.repos.repoCreateHook(seg(owner), seg(repo), { type: 'gitea', active: true, config, events }));
      return { id: created.id ?? 0, created: true };
    },

    async getRepository(owner, repo) {
      return toRepository(await call('getRepository', () => api.repos.repoGet(seg(owner), seg(repo))));
    },

    async createRepository({ owner, name, description, private: isPrivate, defaultBranch, autoInit = true }) {
      const body = { name, description, private: isPrivate, default_branch: defaultBranch, auto_init: autoInit };
      const isUser = (await currentLogin()).toLowerCase() === owner.toLowerCase();
      try {
        const created = await call('createRepository', () =>
          isUser ? api.user.createCurrentUserRepo(body) : api.orgs.createOrgRepo(seg(owner), body),
        );
        return toRepository(created);
      } catch (err) {
        if (err instanceof GiteaError && err.status === 409) return client.getRepository(owner, name);
        throw err;
      }
    },

    async getBranch(owner, repo, branch) {
      try {
        return toBranch(await call('getBranch', () => api.repos.repoGetBranch(seg(owner), seg(repo), ref(branch))));
      } catch (err) {
        if (err instanceof GiteaError && err.status === 404) return null;
        throw err;
      }
    },

    async createBranch(owner, repo, { name, from }) {
      try {
        const created = await call('createBranch', () =>
          api.repos.repoCreateBranch(seg(owner), seg(repo), { new_branch_name: name, old_ref_name: from }),
        );
        return { ...toBranch(created), created: true };
      } catch (err) {
        if (!(err instanceof GiteaError && err.status === 409)) throw err;
        const existing = await client.getBranch(owner, repo, name);
        if (!existing) throw err; // deleted between the two calls: let the job retry
        return { ...existing, created: false };
      }
    },

    async findOpenPullRequest(owner, repo, { head, base }) {
      const headRef = branchName(head);
      let seen = 0;
      for (let page = 1; page <= MAX_PAGES; page++) {
        let total: number | undefined;
        const pulls = await call('findOpenPullRequest', async () => {
          const res = await api.repos.repoListPullRequests(seg(owner), seg(repo), { state: 'open', page, limit: PAGE_SIZE });
          const header = res.headers.get('x-total-count');
          total = header === null ? undefined : Number(header);
          return res;
        });
        const found = pulls.find((p) => p.head?.ref === headRef && p.base?.ref === base && p.state === 'open');
        if (found) return toPullRequest(found);
        seen += pulls.length;
        // The server may cap `limit` below PAGE_SIZE, so only an empty page or the total count ends the walk.
        if (pulls.length === 0 || (total !== undefined && seen >= total)) return null;
      }
      return null;
    },

    async createPullRequest(owner, repo, { head, base, title, body }) {
      const existing = await client.findOpenPullRequest(owner, repo, { head, base });
      if (existing) return { ...existing, created: false };
      try {
        const created = await call('createPullRequest', () =>
          api.repos.repoCreatePullRequest(seg(owner), seg(repo), { head, base, title, body: body ?? '' }),
        );
        return { ...toPullRequest(created), created: true };
      } catch (err) {
        // Another attempt created it in between: Gitea answers 409 "pull request already exists for these targets".
        if (!(err instanceof GiteaError && err.status === 409)) throw err;
        const raced = await client.findOpenPullRequest(owner, repo, { head, base });
        if (!raced) throw err;
        return { ...raced, created: false };
      }
    },

    async getPullRequest(owner, repo, number) {
      return toPullRequest(await call('getPullRequest', () => api.repos.repoGetPullRequest(seg(owner), seg(repo), number)));
    },

    async mergePullRequest(owner, repo, number, { style = 'merge' } = {}) {
      try {
        // Gitea answers 200 with an empty body.
        await call('mergePullRequest', () => api.repos.repoMergePullRequest(seg(owner), seg(repo), number, { Do: style }), false);
        return { merged: true, alreadyMerged: false };
      } catch (err) {
        // 405: already merged, or not mergeable (conflict, checks pending, work in progress) — find out which.
        if (!(err instanceof GiteaError && err.status === 405)) throw err;
        const pr = await client.getPullRequest(owner, repo, number);
        if (pr.merged) return { merged: true, alreadyMerged: true };
        throw err;
      }
    },

    async getCombinedStatus(owner, repo, commit) {
      const combined = await call('getCombinedStatus', () => api.repos.repoGetCombinedStatusByRef(seg(owner), seg(repo), ref(commit), { limit: PAGE_SIZE }));
      return toCombinedStatus(combined);
    },

    async getVersion() {
      return (await call('getVersion', () => api.version.getVersion())).version ?? '';
    },

    ...issueComments(api, call),
  };
  return client;
}
