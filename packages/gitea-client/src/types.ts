/** The shapes aiworker needs from Gitea, independent of Gitea's (large) JSON. */

export interface GiteaClientOptions {
  /** Gitea's root URL, e.g. `https://gitea.example.com` (a trailing `/api/v1` is tolerated). */
  baseUrl: string;
  token: string;
  /** Per call, including reading the response. Default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Told of every call when it ends (the worker records its latency as a metric and logs it). */
  observe?: (call: GiteaCall) => void;
}

/** One finished Gitea call: which operation, how long it took, and its HTTP status or `error`. */
export interface GiteaCall {
  operation: string;
  ms: number;
  status: number | string;
}

export interface GiteaRepository {
  fullName: string;
  defaultBranch: string;
  htmlUrl: string;
  cloneUrl: string;
}

export interface CreateRepositoryInput {
  owner: string;
  name: string;
  description?: string;
  private?: boolean;
  defaultBranch?: string;
  /** Create an initial commit (and so the default branch). Default true. */
  autoInit?: boolean;
}

export interface GiteaBranch {
  name: string;
  commitSha: string;
}

export interface CreatedBranch extends GiteaBranch {
  /** false when the branch already existed (idempotent retry). */
  created: boolean;
}

export interface GiteaPullRequest {
  number: number;
  htmlUrl: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeable: boolean;
  /** Head branch name. */
  head: string;
  /** The head commit. */
  headSha: string;
  /** Base branch name. */
  base: string;
}

export interface CreatedPullRequest extends GiteaPullRequest {
  /** false when an open pull request for the same head and base already existed. */
  created: boolean;
}

export interface CreatePullRequestInput {
  head: string;
  base: string;
  title: string;
  body?: string;
}

export type MergeStyle = 'merge' | 'rebase' | 'rebase-merge' | 'squash' | 'fast-forward-only';

export interface MergeResult {
  merged: true;
  /** true when the pull request had been merged before this call (idempotent retry). */
  alreadyMerged: boolean;
}

export interface WebhookInput {
  /** Where Gitea sends the events; an existing hook with this URL is updated instead of adding another. */
  url: string;
  /** Gitea signs each body with it (X-Gitea-Signature). */
  secret: string;
  events: string[];
}

export interface EnsuredWebhook {
  id: number;
  /** false when a hook with the URL existed and was updated. */
  created: boolean;
}

export interface GiteaClient {
  /** The login the token acts as. */
  getCurrentLogin(): Promise<string>;
  /** A `gitea` hook (JSON, active) to `url`: found by its URL and updated, or created. */
  ensureWebhook(owner: string, repo: string, input: WebhookInput): Promise<EnsuredWebhook>;
  getRepository(owner: string, repo: string): Promise<GiteaRepository>;
  createRepository(input: CreateRepositoryInput): Promise<GiteaRepository>;
  getBranch(owner: string, repo: string, branch: string): Promise<GiteaBranch | null>;
  createBranch(owner: string, repo: string, input: { name: string; from: string }): Promise<CreatedBranch>;
  findOpenPullRequest(owner: string, repo: string, input: { head: string; base: string }): Promise<GiteaPullRequest | null>;
  createPullRequest(owner: string, repo: string, input: CreatePullRequestInput): Promise<CreatedPullRequest>;
  getPullRequest(owner: string, repo: string, number: number): Promise<GiteaPullRequest>;
  mergePullRequest(owner: string, repo: string, number: number, opts?: { style?: MergeStyle }): Promise<MergeResult>;
  getVersion(): Promise<string>;
  /** An issue's comments (all pages). */
  listIssueComments(owner: string, repo: string, number: number): Promise<GiteaComment[]>;
  createIssueComment(owner: string, repo: string, number: number, body: string): Promise<GiteaComment>;
  /** Edits a comment in place (PATCH /repos/{owner}/{repo}/issues/comments/{id}); null when it is gone (404). */
  editIssueComment(owner: string, repo: string, id: number, body: string): Promise<GiteaComment | null>;
  /** The combined status of a commit (its newest status per context); `state` undefined when it has none. */
  getCombinedStatus(owner: string, repo: string, ref: string): Promise<GiteaCombinedStatus>;
}

export interface GiteaComment {
  id: number;
  body: string;
  /** The login of who wrote it. */
  login: string;
}

export interface GiteaCommitStatus {
  id: number;
  context: string;
  state: 'pending' | 'success' | 'error' | 'failure' | 'warning';
  description: string;
  targetUrl: string;
  updatedAt: string;
}

export interface GiteaCombinedStatus {
  sha: string;
  state?: GiteaCommitStatus['state'];
  statuses: GiteaCommitStatus[];
}
