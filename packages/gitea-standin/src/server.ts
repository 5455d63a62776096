import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GiteaContract, defaultSwaggerPath, type MatchedOperation } from './contract.js';
import { isGitRequest, serveGit } from './git-http.js';
import { handlers, type Reply } from './handlers.js';
import { reviewHandlers } from './review-handlers.js';
import { attachIssueTracker, issueHandlers, type IssueTracker } from './issues.js';
import { attachReviewLoop, type ReviewLoop } from './review-loop.js';
import { Shapes } from './shapes.js';
import { GiteaState, advanceClock, type StandInUser } from './state.js';
import { OAuthProvider, oauthHandlers, type OAuthOptions } from './oauth.js';
import { StateFile, type StandInSnapshot } from './state-file.js';
import { servePage } from './web-pages.js';
import { statusHandlers, statusesOf } from './statuses.js';

export interface GiteaStandInOptions {
  /** Gitea's Swagger 2.0 description; defaults to the package's copy in packages/gitea-standin/reference/. */
  swaggerPath?: string;
  /** Existing users; the token authenticates as the first. Default `['aiworker']`. */
  users?: string[];
  /** Existing organisations (for `POST /orgs/{org}/repos`). Default none. */
  orgs?: string[];
  /** The API token to accept. Default: a random one. */
  token?: string;
  /** What `GET /version` answers. Default: the version of the Swagger description. */
  version?: string;
  /** Delay before every response, for benchmarks. */
  latencyMs?: number;
  /**
   * Folder of the bare git repositories (`<owner>/<name>.git`); repositories already there are taken up.
   * Default: a temporary folder, removed by `close()`.
   */
  gitRoot?: string;
  /** Sign-in with OAuth2 (people who may sign in); see oauth.ts. */
  oauth?: OAuthOptions;
  /**
   * A file that keeps what Gitea keeps in its database (pull requests and their numbers, reviews, comments,
   * hooks, tokens, OAuth2 applications) and the port, written atomically on every change and taken up on
   * start: a restart forgets nothing. Default: none, everything in memory.
   */
  stateFile?: string;
  /** The port to listen on. Default: the one kept in `stateFile`, else a free one. */
  port?: number;
}

export type FailureMode = 500 | 429 | 422 | 'hang';

export interface FailOptions {
  /** `Retry-After` header of a 429 (seconds or HTTP-date). Default `1`. */
  retryAfter?: number | string;
  /** The error message of the injected answer (e.g. a huge one, as a misbehaving proxy may send). */
  message?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** 0 while unanswered (e.g. a request left hanging on purpose). */
  status: number;
  operationId?: string;
}

export interface GiteaStandIn {
  /** Root URL, what a Gitea client is configured with (`http://127.0.0.1:port`); clone URLs are `url/owner/repo.git`. */
  url: string;
  /** `url + '/api/v1'`. */
  baseUrl: string;
  token: string;
  state: GiteaState;
  /** Gitea as an OAuth2 provider: applications, people, access tokens. */
  oauth: OAuthProvider;
  contract: GiteaContract;
  /** Every mismatch with Gitea's API description seen so far. */
  violations: string[];
  requests: RecordedRequest[];
  /** Hooks, people, reviews, comments and the webhooks delivered (review-loop.ts). */
  reviewLoop: ReviewLoop;
  /** Issues and repository labels (issues.ts). */
  issues: IssueTracker;
  /** Delay before every response; may be changed at any time. */
  latencyMs: number;
  /** Moves the stand-in's clock forward: the times it prints (whole seconds, as Gitea's) differ without a sleep. */
  advanceClock(ms: number): void;
  /** The next `n` API requests fail with `mode`. */
  failNext(n: number, mode: FailureMode, opts?: FailOptions): void;
  /** Every API request fails with `mode` until `recover()`. */
  failFor(mode: FailureMode, opts?: FailOptions): void;
  recover(): void;
  /** Forgets repositories, violations, recorded requests and pending failures; users stay. */
  reset(): void;
  assertNoViolations(): void;
  close(): Promise<void>;
}

const API_PREFIX = '/api/v1';
const contracts = new Map<string, GiteaContract>();

function loadContract(path: string): GiteaContract {
  let contract = contracts.get(path);
  if (!contract) {
    contract = GiteaContract.load(path);
    contracts.set(path, contract);
  }
  return contract;
}

/** Throws, listing them, when the stand-in has recorded contract violations. */
export function assertNoViolations(source: { violations: string[] } | string[]): void {
  const violations = Array.isArray(source) ? source : source.violations;
  if (violations.length > 0) {
    throw new Error(`${violations.length} Gitea API contract violation(s):\n${violations.map((v) => `  - ${v}`).join('\n')}`);
  }
}

export async function startGiteaStandIn(options: GiteaStandInOptions = {}): Promise<GiteaStandIn> {
  const contract = loadContract(options.swaggerPath ?? defaultSwaggerPath());
  const users = options.users ?? ['aiworker'];
  if (users.length === 0) throw new Error('the stand-in needs at least one user');
  const stateFile = options.stateFile ? new StateFile(options.stateFile) : undefined;
  const saved = stateFile?.load();
  const state = new GiteaState(users, options.orgs ?? [], { gitRoot: options.gitRoot, saved: saved?.state });
  const oauth = new OAuthProvider(state, options.oauth);
  if (saved) oauth.restore(saved.oauth);
  const token = options.token ?? randomBytes(20).toString('hex');
  const version = options.version ?? contract.version;
  const violations: string[] = [];
  const requests: RecordedRequest[] = [];
  let pending: { remaining: number; mode: FailureMode; opts: FailOptions } | undefined;
  let failing: { mode: FailureMode; opts: FailOptions } | undefined;
  let shapes: Shapes;
  let loop: ReviewLoop;
  let tracker: IssueTracker;

  const takeFault = () => {
    if (failing) return failing;
    if (pending && pending.remaining > 0) {
      pending.remaining--;
      const fault = pending;
      if (pending.remaining === 0) pending = undefined;
      return fault;
    }
    return undefined;
  };

  const authenticate = (req: IncomingMessage, url: URL): StandInUser | 'missing' | 'invalid' => {
    const header = req.headers.authorization;
    let given: string | null = null;
    const basic = header ? /^basic\s+(\S+)\s*$/i.exec(header) : null;
    if (basic) return loop.basicUser(basic[1], users[0], token) ?? 'invalid';
    if (header) {
      const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
      if (!m) return 'invalid';
      given = m[1];
    } else {
      given = url.searchParams.get('token') ?? url.searchParams.get('access_token');
    }
    if (given === null) return 'missing';
    return given === token ? state.users.get(users[0].toLowerCase())! : (oauth.userForToken(given) ?? loop.userForToken(given) ?? 'invalid');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (await oauth.handle(req, res, url, raw)) return;
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: the Gitea stand-in serves /api/v1 and git at /{owner}/{repo}.git\n');
      return;
    }
    const apiPath = url.pathname.slice(API_PREFIX.length) || '/';
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, status: 0 };
    requests.push(record);
    const label = `${method} ${url.pathname}${url.search}`;

    const matched = contract.match(method, apiPath);
    record.operationId = matched?.operation.operationId;
    if (!matched) {
      const other = contract.methodsFor(apiPath);
      violations.push(
        other.length > 0
          ? `${label}: Gitea's API declares no ${method} for this path (only ${other.join(', ')})`
          : `${label}: no operation in Gitea's API description matches this path`,
      );
    } else {
      for (const problem of contract.checkRequest(matched, url.searchParams, { raw, contentType: req.headers['content-type'] })) {
        violations.push(`${label} (${matched.operation.operationId}): ${problem}`);
      }
    }

    const fault = takeFault();
    if (handle.latencyMs > 0) await sleep(handle.latencyMs);
    if (fault?.mode === 'hang') return; // never answered; close() drops the socket

    let reply: Reply;
    let checkStatus = true;
    if (fault) {
      checkStatus = false;
      reply =
        fault.mode === 429
          ? { status: 429, body: shapes.apiError(fault.opts.message ?? 'Too Many Requests'), headers: { 'Retry-After': String(fault.opts.retryAfter ?? 1) } }
          : fault.mode === 422
            ? { status: 422, body: shapes.apiError(fault.opts.message ?? 'Unprocessable Entity (injected by the stand-in)') }
            : { status: 500, body: shapes.apiError(fault.opts.message ?? 'Internal Server Error (injected by the stand-in)') };
    } else if (!matched) {
      reply = { status: 404, body: shapes.apiError('Not Found') };
      checkStatus = false;
    } else {
      const auth = authenticate(req, url);
      const op = matched.operation.operationId;
      if (auth === 'invalid' || (auth === 'missing' && op !== 'getVersion')) {
        reply = { status: 401, body: shapes.apiError(auth === 'missing' ? 'token is required' : 'invalid token'), middleware: true };
      } else {
        reply = dispatch(matched, url.searchParams, raw, auth === 'missing' ? undefined : auth, label);
      }
      checkStatus = !reply.middleware && !KNOWN_UNDECLARED.has(`${op}:${reply.status}`);
    }

    // Kept before it is answered: what a client was told happened survives a crash right after.
    persist();
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    if (matched) {
      for (const problem of contract.checkResponse(matched.operation, reply.status, text, { declaredOnly: checkStatus })) {
        violations.push(`${label} (${matched.operation.operationId}): ${problem}`);
      }
    }
    record.status = reply.status;
    const headers: Record<string, string> = { ...reply.headers };
    if (text) headers['Content-Type'] = 'application/json;charset=utf-8';
    res.writeHead(reply.status, headers).end(text);
  };
  handle.latencyMs = options.latencyMs ?? 0;

  const dispatch = (matched: MatchedOperation, query: URLSearchParams, raw: string, user: StandInUser | undefined, label: string): Reply => {
    const op = matched.operation.operationId;
    const handler = issueHandlers[op] ?? reviewHandlers[op] ?? statusHandlers[op] ?? handlers[op] ?? oauthHandlers[op];
    if (!handler) {
      violations.push(`${label} (${op}): the Gitea stand-in does not implement this operation`);
      return { status: 501, body: shapes.apiError(`${op} is not implemented by the Gitea stand-in`), middleware: true };
    }
    let body: Record<string, unknown> | undefined;
    if (raw.trim()) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return { status: 422, body: shapes.apiError('invalid JSON body'), middleware: true };
      }
    }
    return handler({ params: matched.pathParams, query, body, user, state, shapes, version });
  };

  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (servePage(req, res, pathname, state)) return;
    const served = isGitRequest(pathname) ? serveGit(req, res, { state, token, user: state.users.get(users[0].toLowerCase())! }) : handle(req, res);
    // Pushes and sign-ins change what is kept too.
    served.then(persist).catch((err: unknown) => {
      violations.push(`${req.method} ${req.url}: stand-in crashed: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'stand-in crashed', url: '' }));
    });
  });
  // Go's server (Gitea) keeps idle connections open; Node's default 5 s races clients that reuse a pooled
  // connection just as it is closed (seen as ECONNRESET under load, when git calls hold up the event loop).
  server.keepAliveTimeout = 60_000;
  const wantedPort = options.port ?? saved?.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      state.dispose();
      if (error.code !== 'EADDRINUSE' || !wantedPort) return reject(error);
      const why = options.port === undefined ? `its port, kept in ${options.stateFile} so that the links it gave out stay valid,` : 'its port';
      reject(Object.assign(new Error(`The Gitea stand-in cannot listen on ${why} ${wantedPort}: the port is in use`), { code: error.code, port: wantedPort }));
    };
    server.once('error', failed);
    server.listen(wantedPort, '127.0.0.1', () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  shapes = new Shapes(url, state);
  loop = attachReviewLoop(state, shapes, url, contract, violations);
  if (saved) loop.restore(saved.reviewLoop);
  tracker = attachIssueTracker(state, url);
  tracker.restore(saved?.issues);
  statusesOf(state).restore(saved?.statuses);
  function persist(): void {
    if (!stateFile) return;
    const snapshot: StandInSnapshot = {
      format: 1,
      port,
      state: state.save(),
      reviewLoop: loop.save(),
      oauth: oauth.save(),
      issues: tracker.save(),
      statuses: statusesOf(state).save(),
    };
    try {
      stateFile.save(snapshot);
    } catch (error) {
      violations.push(`the stand-in could not keep its state in ${stateFile.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  persist();
  // A push (over git's smart HTTP, or pushCommit) that moves a branch: pull_request_sync for its open PRs.
  state.onPush(({ repo, pusher, changes }) => {
    for (const change of changes) if (change.after) loop.pushed(repo.owner, repo.name, change.branch, pusher.login);
  });

  const standIn: GiteaStandIn = {
    url,
    baseUrl: `${url}${API_PREFIX}`,
    token,
    state,
    oauth,
    contract,
    violations,
    requests,
    reviewLoop: loop,
    issues: tracker,
    get latencyMs() {
      return handle.latencyMs;
    },
    set latencyMs(ms: number) {
      handle.latencyMs = ms;
    },
    advanceClock,
    failNext(n, mode, opts = {}) {
      pending = n > 0 ? { remaining: n, mode, opts } : undefined;
    },
    failFor(mode, opts = {}) {
      failing = { mode, opts };
    },
    recover() {
      failing = undefined;
      pending = undefined;
    },
    reset() {
      state.clearRepos();
      loop.reset();
      tracker.reset();
      statusesOf(state).reset();
      violations.length = 0;
      requests.length = 0;
      failing = undefined;
      pending = undefined;
      handle.latencyMs = options.latencyMs ?? 0;
      persist();
    },
    assertNoViolations() {
      assertNoViolations(violations);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => {
          state.dispose();
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
  return standIn;
}

/**
 * Statuses Gitea really answers that its API description does not declare. POST /orgs/{org}/repos shares
 * its code with POST /user/repos (409 on an existing repository) but only the latter declares 409.
 */
const KNOWN_UNDECLARED = new Set(['createOrgRepo:409', 'repoCreateHook:422', 'repoEditHook:422', 'issueCreateComment:422', 'issueEditComment:422', 'issueEditIssue:422']);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
