import { createHash, randomBytes } from 'node:crypto';

/** In-memory model of the little part of Gitea that aiworker uses: users, orgs, repos, branches, PRs. */

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

export interface StandInBranch {
  name: string;
  commit: StandInCommit;
}

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
  branches: Map<string, StandInBranch>;
  pulls: Map<number, StandInPull>;
  /** Issues and pull requests share one index sequence per repository. */
  nextIndex: number;
}

let shaCounter = 0;
const shaSalt = randomBytes(8).toString('hex');

export function newSha(): string {
  return createHash('sha1').update(`${shaSalt}:${++shaCounter}`).digest('hex');
}

/** RFC 3339 without milliseconds, the way Gitea prints times. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class GiteaState {
  readonly users = new Map<string, StandInUser>();
  readonly orgs = new Map<string, StandInUser>();
  readonly repos = new Map<string, StandInRepo>();
  private nextId = 1;

  constructor(users: string[], orgs: string[] = []) {
    for (const login of users) this.addUser(login);
    for (const login of orgs) this.addOrg(login);
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
    const t = now();
    const repo: StandInRepo = {
      id: this.nextId++,
      owner: this.owner(input.owner)?.login ?? input.owner,
      name: input.name,
      description: input.description ?? '',
      private: input.private ?? false,
      defaultBranch: input.defaultBranch || 'main',
      createdAt: t,
      updatedAt: t,
      branches: new Map(),
      pulls: new Map(),
      nextIndex: 1,
    };
    if (input.autoInit) repo.branches.set(repo.defaultBranch, { name: repo.defaultBranch, commit: { sha: newSha(), message: 'Initial commit\n', timestamp: t } });
    this.repos.set(`${repo.owner}/${repo.name}`.toLowerCase(), repo);
    return repo;
  }

  /** Simulates `git push` of one new commit onto a branch (creating the branch if needed). */
  pushCommit(owner: string, name: string, branch: string, message = 'change'): string {
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`no repository ${owner}/${name}`);
    const commit = { sha: newSha(), message, timestamp: now() };
    repo.branches.set(branch, { name: branch, commit });
    repo.updatedAt = commit.timestamp;
    return commit.sha;
  }

  pull(owner: string, name: string, index: number): StandInPull | undefined {
    return this.repo(owner, name)?.pulls.get(index);
  }

  nextPullId(): number {
    return this.nextId++;
  }

  /** Forgets all repositories; users and organisations stay. */
  clearRepos(): void {
    this.repos.clear();
  }
}
