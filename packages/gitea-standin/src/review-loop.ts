import { createHmac, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { GiteaContract } from './contract.js';
import { ReviewShapes, type StandInComment, type StandInHook, type StandInReview } from './review-shapes.js';
import type { Shapes } from './shapes.js';
import { now, type GiteaState, type StandInPull, type StandInRepo, type StandInUser } from './state.js';
import { CommitStatusPayloadSchema, IssueCommentPayloadSchema, PullRequestPayloadSchema, eventHeader } from './webhook-payloads.js';

/** One webhook delivery the stand-in made, as Gitea's hook_task records it. */
export interface Delivery {
  /** X-Gitea-Delivery. */
  id: string;
  hookId: number;
  url: string;
  /** X-Gitea-Event-Type (the hook event type). */
  eventType: string;
  /** Every header sent, as sent. */
  headers: Record<string, string>;
  /** The exact body bytes signed. */
  body: string;
  /** The receiver's status; 0 when it could not be reached. */
  status: number;
  response: string;
}

const DELIVERY_TIMEOUT_MS = 10_000;

/** What a ReviewLoop keeps across a restart (Gitea's webhook, review, comment and access_token tables). */
export interface SavedReviewLoop {
  nextId: number;
  hooks: Record<string, StandInHook[]>;
  reviews: Record<string, StandInReview[]>;
  comments: Record<string, StandInComment[]>;
  /** API token → login. */
  tokens: Record<string, string>;
}

/**
 * The part of Gitea a review loop needs beyond repositories: repository hooks, people (each with its
 * own token), reviews, comments, and webhook delivery. Deliveries are made like Gitea's hook queue does:
 * after the API call that caused them has answered, one at a time, signed with the hook's secret.
 */
export class ReviewLoop {
  readonly hooks = new Map<string, StandInHook[]>();
  readonly reviews = new Map<string, StandInReview[]>();
  readonly comments = new Map<string, StandInComment[]>();
  readonly deliveries: Delivery[] = [];
  readonly shapes: ReviewShapes;
  private readonly tokens = new Map<string, string>();
  private nextId = 1;
  private queue: Promise<void> = Promise.resolve();
  private paused: Array<{ id: string; go: () => void }> | undefined;
  private readonly dropped = new Set<string>();

  constructor(
    private readonly state: GiteaState,
    private readonly base: Shapes,
    rootUrl: string,
    private readonly contract: GiteaContract,
    private readonly violations: string[],
  ) {
    this.shapes = new ReviewShapes(rootUrl, state, base);
  }

  /** Hooks, reviews, comments, tokens and the id sequence, for a restart (deliveries are not kept). */
  save(): SavedReviewLoop {
    return {
      nextId: this.nextId,
      hooks: Object.fromEntries(this.hooks),
      reviews: Object.fromEntries(this.reviews),
      comments: Object.fromEntries(this.comments),
      tokens: Object.fromEntries(this.tokens),
    };
  }

  /** Takes up what `save()` returned before a restart. */
  restore(saved: SavedReviewLoop): void {
    this.nextId = saved.nextId;
    for (const [key, list] of Object.entries(saved.hooks)) this.hooks.set(key, list);
    for (const [key, list] of Object.entries(saved.reviews)) this.reviews.set(key, list);
    for (const [key, list] of Object.entries(saved.comments)) this.comments.set(key, list);
    for (const [token, login] of Object.entries(saved.tokens)) this.tokens.set(token, login);
  }

  /** A person in Gitea (created if new) and an API token that acts as them. */
  person(login: string): { user: StandInUser; token: string } {
    const user = this.state.users.get(login.toLowerCase()) ?? this.state.addUser(login);
    for (const [token, owner] of this.tokens) if (owner === user.login.toLowerCase()) return { user, token };
    const token = randomBytes(20).toString('hex');
    this.tokens.set(token, user.login.toLowerCase());
    return { user, token };
  }

  /** A new API token for a person (Gitea's POST /users/{username}/tokens). */
  newToken(user: StandInUser): string {
    const token = randomBytes(20).toString('hex');
    this.tokens.set(token, user.login.toLowerCase());
    return token;
  }

  /**
   * HTTP basic auth. The stand-in keeps no passwords: any other login with any password is that person
   * (created on first use, as if they had signed up); the account aiworker uses needs its token as password.
   */
  basicUser(credentials: string, serviceLogin: string, serviceToken: string): StandInUser | undefined {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const login = colon >= 0 ? decoded.slice(0, colon) : decoded;
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(login) || !password) return undefined;
    if (login.toLowerCase() === serviceLogin.toLowerCase()) return password === serviceToken ? this.state.users.get(login.toLowerCase()) : undefined;
    if (this.state.orgs.has(login.toLowerCase())) return undefined;
    return this.person(login).user;
  }

  userForToken(token: string): StandInUser | undefined {
    const login = this.tokens.get(token);
    return login ? this.state.users.get(login) : undefined;
  }

  newId(): number {
    return this.nextId++;
  }

  hooksOf(repo: StandInRepo): StandInHook[] {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    let list = this.hooks.get(key);
    if (!list) this.hooks.set(key, (list = []));
    return list;
  }

  reviewsOf(repo: StandInRepo): StandInReview[] {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    let list = this.reviews.get(key);
    if (!list) this.reviews.set(key, (list = []));
    return list;
  }

  commentsOf(repo: StandInRepo): StandInComment[] {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    let list = this.comments.get(key);
    if (!list) this.comments.set(key, (list = []));
    return list;
  }

  /** A PullRequestPayload event (`pull_request`, `pull_request_sync`, `pull_request_review_*`). */
  pullRequestEvent(eventType: string, action: string, repo: StandInRepo, pull: StandInPull, sender: StandInUser, review?: { type: string; content: string }): void {
    const payload = {
      action,
      number: pull.number,
      pull_request: this.base.pullRequest(repo, pull),
      requested_reviewer: null,
      repository: this.base.repository(repo),
      sender: this.shapes.sender(sender),
      commit_id: '',
      review: review ?? null,
    };
    this.emit(repo, eventType, payload, PullRequestPayloadSchema);
  }

  /** An IssueCommentPayload event about a comment on a pull request (`pull_request_comment`). */
  pullCommentEvent(repo: StandInRepo, pull: StandInPull, comment: StandInComment, sender: StandInUser): void {
    const payload = {
      action: 'created',
      issue: this.shapes.issueOfPull(repo, pull, this.commentsOf(repo).filter((c) => c.issue === pull.number).length),
      pull_request: this.base.pullRequest(repo, pull),
      comment: this.shapes.comment(repo, comment, true),
      repository: this.base.repository(repo),
      sender: this.shapes.sender(sender),
      is_pull: true,
    };
    this.emit(repo, 'pull_request_comment', payload, IssueCommentPayloadSchema);
  }

  /** An IssueCommentPayload about a comment on an issue that is not a pull request (`issue_comment`). */
  issueCommentEvent(repo: StandInRepo, issue: unknown, comment: StandInComment, sender: StandInUser, action: 'created' | 'edited', changes?: unknown): void {
    const payload = {
      action,
      issue,
      comment: this.shapes.comment(repo, comment, false),
      ...(changes ? { changes } : {}),
      repository: this.base.repository(repo),
      sender: this.shapes.sender(sender),
      is_pull: false,
    };
    this.emit(repo, 'issue_comment', payload, IssueCommentPayloadSchema);
  }

  /** The repository as webhook payloads carry it. */
  repositoryShape(repo: StandInRepo) {
    return this.base.repository(repo);
  }

  /** Checks a payload against `schema` and delivers it to the repository's hooks that take `eventType`. */
  emitEvent(repo: StandInRepo, eventType: string, payload: unknown, schema: Record<string, unknown>): void {
    this.emit(repo, eventType, payload, schema);
  }

  /** A `status` event (CommitStatusPayload) to the hooks that asked for `status`. */
  statusEvent(repo: StandInRepo, payload: unknown): void {
    this.emit(repo, 'status', payload, CommitStatusPayloadSchema);
  }

  /**
   * New commits on a branch (a push): `pull_request_sync` for each open pull request from it. The stand-in
   * calls this for its own pushes; a git receive path calls it after updating a ref.
   */
  pushed(owner: string, name: string, branch: string, pusher: string): void {
    const repo = this.state.repo(owner, name);
    if (!repo) return;
    const sender = this.state.owner(pusher) ?? [...this.state.users.values()][0];
    for (const pull of repo.pulls.values()) {
      if (pull.state !== 'open' || pull.head !== branch) continue;
      pull.updatedAt = now();
      this.pullRequestEvent('pull_request_sync', 'synchronized', repo, pull, sender);
    }
  }

  /** Holds deliveries back (they queue up) until `resume()`: lets a test line up what Gitea would send. */
  pause(): void {
    this.paused ??= [];
  }

  /** Lets held deliveries go; with `drop`, they are never sent (a test sends the recorded ones itself). */
  resume(options: { drop?: boolean } = {}): void {
    const waiting = this.paused ?? [];
    this.paused = undefined;
    for (const { id, go } of waiting) {
      if (options.drop) this.dropped.add(id);
      go();
    }
  }

  /** Resolves when every delivery asked for so far has been made. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Sends a recorded delivery again, as Gitea's "Replay" does (same id, same body, same signature). */
  async redeliver(id: string): Promise<Delivery> {
    const original = this.deliveries.find((delivery) => delivery.id === id);
    if (!original) throw new Error(`no delivery ${id}`);
    const again: Delivery = { ...original, status: 0, response: '' };
    await this.send(again);
    this.deliveries.push(again);
    return again;
  }

  reset(): void {
    this.hooks.clear();
    this.reviews.clear();
    this.comments.clear();
    this.deliveries.length = 0;
  }

  private emit(repo: StandInRepo, eventType: string, payload: unknown, schema: Record<string, unknown>): void {
    for (const problem of this.contract.checkPayload(eventType, schema, payload)) this.violations.push(`webhook ${eventType}: ${problem}`);
    // Gitea's JSONPayload: json.MarshalIndent(p, "", "  ").
    const body = JSON.stringify(payload, null, 2);
    for (const hook of this.hooksOf(repo)) {
      if (!hook.active || !hook.events.includes(eventType)) continue;
      const delivery = this.sign(hook, eventType, body);
      this.deliveries.push(delivery);
      const previous = this.queue;
      this.queue = previous.then(async () => {
        const paused = this.paused;
        if (paused) await new Promise<void>((resolve) => paused.push({ id: delivery.id, go: resolve }));
        if (!this.dropped.has(delivery.id)) await this.send(delivery);
      });
    }
  }

  /** The headers services/webhook/deliver.go sets. */
  private sign(hook: StandInHook, eventType: string, body: string): Delivery {
    const id = randomUUID();
    const sha256 = hook.secret ? createHmac('sha256', hook.secret).update(body).digest('hex') : '';
    const sha1 = hook.secret ? createHmac('sha1', hook.secret).update(body).digest('hex') : '';
    const event = eventHeader(eventType);
    const headers: Record<string, string> = {
      'User-Agent': 'GiteaServer',
      'Content-Type': hook.contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      'X-Gitea-Delivery': id,
      'X-Gitea-Event': event,
      'X-Gitea-Event-Type': eventType,
      'X-Gitea-Signature': sha256,
      'X-Gogs-Delivery': id,
      'X-Gogs-Event': event,
      'X-Gogs-Event-Type': eventType,
      'X-Gogs-Signature': sha256,
      'X-Hub-Signature': `sha1=${sha1}`,
      'X-Hub-Signature-256': `sha256=${sha256}`,
      'X-GitHub-Delivery': id,
      'X-GitHub-Event': event,
      'X-GitHub-Event-Type': eventType,
    };
    if (hook.authorizationHeader) headers.Authorization = hook.authorizationHeader;
    return { id, hookId: hook.id, url: hook.url, eventType, headers, body, status: 0, response: '' };
  }

  private async send(delivery: Delivery): Promise<void> {
    try {
      const response = await fetch(delivery.url, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      delivery.status = response.status;
      delivery.response = await response.text();
    } catch (error) {
      delivery.status = 0;
      delivery.response = error instanceof Error ? error.message : String(error);
    }
  }
}

const loops = new WeakMap<GiteaState, ReviewLoop>();

export function attachReviewLoop(state: GiteaState, shapes: Shapes, rootUrl: string, contract: GiteaContract, violations: string[]): ReviewLoop {
  const loop = new ReviewLoop(state, shapes, rootUrl, contract, violations);
  loops.set(state, loop);
  return loop;
}

export function reviewLoopOf(state: GiteaState): ReviewLoop {
  const loop = loops.get(state);
  if (!loop) throw new Error('the stand-in has no review loop attached');
  return loop;
}

/** A stable fake sha for a review's commit_id when none was given. */
export const shaOf = (text: string) => createHash('sha1').update(text).digest('hex');
