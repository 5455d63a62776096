import { createHash, randomBytes } from 'node:crypto';
import { RepoBranches, type StandInBranch } from './branches.js';
import { GitStore, type GitIdentity, type GitRepository } from './git-store.js';

/**
 * The little part of Gitea that aiworker uses: users, orgs, repos, branches, PRs. Repositories are real
 * bare git repositories on disk (branches and commits are their refs); the rest is kept in memory, and
 * `save()` / the `saved` option carry it across a restart (see state-file.ts).
 */

export interface StandInUser {
  id: number;
  login: string;
  email: string;
  created: string;
}

export interface StandInCommit {
  sha: string;
  message: string;
  timestamp: string;
}

export type { StandInBranch };

export interface StandInPull {
  id: number;
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  poster: string;
  state: 'open' | 'closed';
  merged: boolean;
  /** Tests set this to false to simulate a conflict or a pending mergeability check. */
  mergeable: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  mergeBase: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface StandInRepo {
  id: number;
  owner: string;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  /** The real branches of the bare repository `git` (a live view). */
  branches: RepoBranches;
  /** The bare repository on disk. */
  git: GitRepository;
  pulls: Map<number, StandInPull>;
  /** Issues and pull requests share one index sequence per repository. */
  nextIndex: number;
}

let shaCounter = 0;
const shaSalt = randomBytes(8).toString('hex');

export function newSha(): string {
  return createHash('sha1').update(`${shaSalt}:${++shaCounter}`).digest('hex');
}

/**
 * The stand-in's clock: the real time, moved forward by `advanceClock` (tests that need Gitea's times, in
 * whole seconds, to differ move it instead of sleeping past a second boundary).
 */
let clockOffsetMs = 0;

/** Moves the stand-in's clock forward (for every stand-in in this process). */
export function advanceClock(ms: number): void {
  clockOffsetMs += ms;
}

/** RFC 3339 without milliseconds, the way Gitea prints times. */
export function now(): string {
  return new Date(Date.now() + clockOffsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Who made a commit in the stand-in (Gitea's noreply address for a login). */
export function identityOf(login: string): GitIdentity {
  return { name: login, email: `${login}@noreply.localhost` };
}

export interface PushedRefs {
  repo: StandInRepo;
  pusher: StandInUser;
  /** Branch → commit id before and after the push ('' = absent); only branches that changed. */
  changes: Array<{ branch: string; before: string; after: string }>;
}

/** A repository as kept across restarts: everything but its git data (which is on disk). */
export type SavedRepo = Omit<StandInRepo, 'branches' | 'git' | 'pulls'> & { pulls: StandInPull[] };

/** What GiteaState keeps across a restart (ids keep growing from `nextId`). */
export interface SavedGiteaState {
  nextId: number;
  users: StandInUser[];
  orgs: StandInUser[];
  repos: SavedRepo[];
}

export interface GiteaStateOptions {
  /** Folder of the bare repositories; repositories found there are taken up. Default: a temporary folder. */
  gitRoot?: string;
  /** What `save()` returned before a restart: users, orgs, and the repositories' pull requests and ids. */
  saved?: SavedGiteaState;
}

export class GiteaState {
  readonly users = new Map<string, StandInUser>();
  readonly orgs = new Map<string, StandInUser>();
  readonly repos = new Map<string, StandInRepo>();
  readonly git: GitStore;
  private readonly pushListeners: Array<(pushed: PushedRefs) => void> = [];
  private nextId = 1;

  constructor(users: string[], orgs: string[] = [], options: GiteaStateOptions = {}) {
    const saved = options.saved;
    if (saved) {
      this.nextId = saved.nextId;
      for (const user of saved.users) this.users.set(user.login.toLowerCase(), user);
      for (const org of saved.orgs) this.orgs.set(org.login.toLowerCase(), org);
    }
    for (const login of users) if (!this.users.has(login.toLowerCase())) this.addUser(login);
    for (const login of orgs) if (!this.orgs.has(login.toLowerCase())) this.addOrg(login);
    this.git = new GitStore(options.gitRoot);
    const kept = new Map((saved?.repos ?? []).map((repo) => [`${repo.owner}/${repo.name}`.toLowerCase(), repo]));
    for (const found of this.git.existing()) {
      const owner = this.owner(found.owner);
      const before = kept.get(`${found.owner}/${found.name}`.toLowerCase());
      if (before) this.register(before, found.repository, before);
      else if (owner) this.register({ owner: owner.login, name: found.name, defaultBranch: found.defaultBranch }, found.repository);
    }
  }

  /** Everything but the git data, for a restart (JSON-safe). */
  save(): SavedGiteaState {
    return {
      nextId: this.nextId,
      users: [...this.users.values()],
      orgs: [...this.orgs.values()],
      repos: [...this.repos.values()].map(({ branches: _branches, git: _git, pulls, ...repo }) => ({ ...repo, pulls: [...pulls.values()] })),
    };
  }

  addUser(login: string): StandInUser {
    const user = { id: this.nextId++, login, email: `${login}@noreply.localhost`, created: now() };
    this.users.set(login.toLowerCase(), user);
    return user;
  }

  addOrg(login: string): StandInUser {
    const org = { id: this.nextId++, login, email: `${login}@noreply.localhost`, created: now() };
    this.orgs.set(login.toLowerCase(), org);
    return org;
  }

  /** A user or an organisation (Gitea keeps both in one table). */
  owner(login: string): StandInUser | undefined {
    return this.users.get(login.toLowerCase()) ?? this.orgs.get(login.toLowerCase());
  }

  repo(owner: string, name: string): StandInRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  createRepo(input: { owner: string; name: string; description?: string; private?: boolean; defaultBranch?: string; autoInit?: boolean }): StandInRepo {
    const owner = this.owner(input.owner)?.login ?? input.owner;
    const defaultBranch = input.defaultBranch || 'main';
    const git = this.git.create(owner, input.name, defaultBranch);
    const repo = this.register({ owner, name: input.name, description: input.description, private: input.private, defaultBranch }, git);
    if (input.autoInit) {
      // Like Gitea's auto_init: one commit with a README on the default branch.
      const readme = `# ${repo.name}\n\n${repo.description}`.trimEnd() + '\n';
      const sha = git.commitFiles(undefined, { 'README.md': readme }, 'Initial commit\n', identityOf(owner));
      git.setBranch(defaultBranch, sha, '');
    }
    return repo;
  }

  private register(
    input: { owner: string; name: string; description?: string; private?: boolean; defaultBranch: string },
    git: GitRepository,
    kept?: SavedRepo,
  ): StandInRepo {
    const t = now();
    const repo: StandInRepo = {
      id: kept?.id ?? this.nextId++,
      owner: input.owner,
      name: input.name,
      description: input.description ?? '',
      private: input.private ?? false,
      defaultBranch: input.defaultBranch,
      createdAt: kept?.createdAt ?? t,
      updatedAt: kept?.updatedAt ?? t,
      branches: new RepoBranches(git),
      git,
      pulls: new Map((kept?.pulls ?? []).map((pull) => [pull.number, pull])),
      nextIndex: kept?.nextIndex ?? 1,
    };
    this.repos.set(`${repo.owner}/${repo.name}`.toLowerCase(), repo);
    return repo;
  }

  /**
   * A real commit on a branch (created from the default branch if missing), as if someone had pushed it:
   * adds `file` (default `changes/<n>.md`) with `content`. Returns the commit id.
   */
  pushCommit(owner: string, name: string, branch: string, message = 'change', file?: { path: string; content: string }): string {
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`no repository ${owner}/${name}`);
    const before = repo.git.branch(branch)?.sha ?? '';
    const parent = before || repo.git.branch(repo.defaultBranch)?.sha;
    const change = file ?? { path: `changes/${newSha().slice(0, 12)}.md`, content: `${message}\n` };
    const sha = repo.git.commitFiles(parent, { [change.path]: change.content }, `${message}\n`, identityOf(repo.owner));
    repo.git.setBranch(branch, sha);
    this.pushed(repo, this.owner(repo.owner)!, [{ branch, before, after: sha }]);
    return sha;
  }

  /** Called after refs changed by a push (smart HTTP or pushCommit); listeners get what changed. */
  onPush(listener: (pushed: PushedRefs) => void): void {
    this.pushListeners.push(listener);
  }

  pushed(repo: StandInRepo, pusher: StandInUser, changes: PushedRefs['changes']): void {
    if (changes.length === 0) return;
    repo.updatedAt = now();
    for (const listener of this.pushListeners) listener({ repo, pusher, changes });
  }

  pull(owner: string, name: string, index: number): StandInPull | undefined {
    return this.repo(owner, name)?.pulls.get(index);
  }

  nextPullId(): number {
    return this.nextId++;
  }

  /** Forgets all repositories (and removes them from disk); users and organisations stay. */
  clearRepos(): void {
    this.repos.clear();
    this.git.clear();
  }

  /** Removes the repositories' folder when it is a temporary one. */
  dispose(): void {
    this.git.dispose();
  }
}
