import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The stand-in's repositories are real bare git repositories on disk, driven with git's own plumbing
 * (no worktree): what the API reports as branches and commits are these repositories' refs, and
 * `git http-backend` serves them to real clones and pushes (see git-http.ts).
 *
 * Calls are synchronous (a few milliseconds each) so the stand-in's handlers keep their simple shape.
 */

export interface GitCommit {
  sha: string;
  message: string;
  /** RFC 3339 without milliseconds, UTC (how Gitea prints times). */
  timestamp: string;
}

export interface GitIdentity {
  name: string;
  email: string;
}

export type MergeStyle = 'merge' | 'squash' | 'fast-forward-only' | 'rebase' | 'rebase-merge';

export type MergeOutcome = { sha: string } | { conflict: string };

/** Environment for every git call: no user or system configuration, no prompts, stable output. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

function identityEnv(author: GitIdentity, committer: GitIdentity = author): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
}

export class GitError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

function git(dir: string | undefined, args: string[], opts: { env?: Record<string, string>; input?: string; allowFail?: boolean } = {}): { stdout: string; status: number } {
  try {
    const stdout = execFileSync('git', dir ? ['--git-dir', dir, ...args] : args, {
      env: gitEnv(opts.env),
      input: opts.input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, status: 0 };
  } catch (error) {
    const e = error as { status: number | null; stdout?: string; stderr?: string };
    if (opts.allowFail) return { stdout: e.stdout ?? '', status: e.status ?? 1 };
    throw new GitError(`git ${args[0]} failed: ${(e.stderr ?? '').trim()}`, e.status, e.stderr ?? '');
  }
}

const toTimestamp = (unixSeconds: string) => new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One bare repository. */
export class GitRepository {
  private readonly conflicts = new Map<string, string | null>();
  private readonly mergeBases = new Map<string, string | undefined>();
  private cache: Map<string, GitCommit> | undefined;
  /** The list as it was just before the last invalidation (for cacheAfter). */
  private lastRead: Map<string, GitCommit> | undefined;

  constructor(readonly dir: string) {}

  /** `git init --bare` with `defaultBranch` as HEAD. */
  static init(dir: string, defaultBranch: string): GitRepository {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    git(undefined, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir]);
    return new GitRepository(dir);
  }

  /** Whether `name` is a valid branch name: git's check-ref-format rules, checked here to spare a process per call. */
  static validBranchName(name: string): boolean {
    if (!name || name === '@' || name === 'HEAD' || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|\/\/|@\{/.test(name)) return false;
    return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
  }

  /**
   * Branches with their tip commits, sorted by name. Read from git once and kept until a ref changes:
   * every ref change goes through this class or through a push the stand-in serves (which calls `invalidate`).
   */
  branches(): Map<string, GitCommit> {
    if (this.cache) return this.cache;
    const out = git(this.dir, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(committerdate:unix)%00%(contents)%01', 'refs/heads/']).stdout;
    const result = new Map<string, GitCommit>();
    for (const record of out.split('\x01\n')) {
      if (!record) continue;
      const [ref, sha, date, message] = record.split('\x00');
      result.set(ref.slice('refs/heads/'.length), { sha, message, timestamp: toTimestamp(date) });
    }
    this.cache = result;
    return result;
  }

  private cacheAfter(name: string, commit: GitCommit): void {
    // Rebuilt from the last full read plus this one change, in name order like for-each-ref.
    const previous = this.lastRead;
    if (!previous) return;
    const next = new Map(previous);
    next.set(name, commit);
    this.cache = new Map([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.lastRead = this.cache;
  }

  /** Forgets the cached branch list (after refs changed outside this class). */
  invalidate(): void {
    this.lastRead = this.cache;
    this.cache = undefined;
  }

  branch(name: string): GitCommit | undefined {
    return this.branches().get(name);
  }

  /** The commit a branch, tag or commit id names, if any. */
  resolve(ref: string): string | undefined {
    if (ref.startsWith('-')) return undefined;
    const out = git(this.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { allowFail: true });
    return out.status === 0 ? out.stdout.trim() : undefined;
  }

  /** Points a branch at a commit; with `expectOld` ('' = must not exist) only if it still has that value. */
  setBranch(name: string, sha: string, expectOld?: string): boolean {
    const args = ['update-ref', `refs/heads/${name}`, sha];
    if (expectOld !== undefined) args.push(expectOld);
    // A branch made at the tip of another keeps the cached list valid (the usual case: a task branch from main).
    const known = [...(this.cache?.values() ?? [])].find((commit) => commit.sha === sha);
    this.invalidate();
    const moved = git(this.dir, args, { allowFail: true }).status === 0;
    if (moved && known && this.cache === undefined) this.cacheAfter(name, known);
    return moved;
  }

  deleteBranch(name: string): boolean {
    this.invalidate();
    return git(this.dir, ['update-ref', '-d', `refs/heads/${name}`], { allowFail: true }).status === 0;
  }

  /** The merge base of two commit ids (cached: commits never change). */
  mergeBase(a: string, b: string): string | undefined {
    const key = `${a}..${b}`;
    if (!this.mergeBases.has(key)) {
      const out = git(this.dir, ['merge-base', '--end-of-options', a, b], { allowFail: true });
      this.mergeBases.set(key, out.status === 0 ? out.stdout.trim() : undefined);
    }
    return this.mergeBases.get(key);
  }

  isAncestor(ancestor: string, of: string): boolean {
    return git(this.dir, ['merge-base', '--is-ancestor', ancestor, of], { allowFail: true }).status === 0;
  }

  /** Writes `files` on top of `parent` (or an empty tree) as one commit; returns its id. Moves no ref. */
  commitFiles(parent: string | undefined, files: Record<string, string>, message: string, author: GitIdentity): string {
    const index = join(this.dir, `index-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      if (parent) git(this.dir, ['read-tree', parent], { env });
      for (const [path, content] of Object.entries(files)) {
        const blob = git(this.dir, ['hash-object', '-w', '--stdin'], { input: content }).stdout.trim();
        git(this.dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env });
      }
      const tree = git(this.dir, ['write-tree'], { env }).stdout.trim();
      return this.commitTree(tree, parent ? [parent] : [], message, author);
    } finally {
      rmSync(index, { force: true });
    }
  }

  /** The text of a file at a ref, or undefined. */
  readFile(ref: string, path: string): string | undefined {
    const out = git(this.dir, ['cat-file', '-p', `${ref}:${path}`], { allowFail: true });
    return out.status === 0 ? out.stdout : undefined;
  }

  /** Whether merging `head` into `base` conflicts (the conflicting paths), cached per pair of commits. */
  conflictsBetween(baseSha: string, headSha: string): string | null {
    const key = `${baseSha}..${headSha}`;
    if (!this.conflicts.has(key)) {
      const out = this.mergeTree(baseSha, headSha);
      this.conflicts.set(key, 'conflict' in out ? out.conflict : null);
    }
    return this.conflicts.get(key)!;
  }

  /** Merges `head` into the branch `base` the way Gitea's merge styles do; moves `base` only if it did not move meanwhile. */
  merge(base: string, head: string, style: MergeStyle, message: string, merger: GitIdentity): MergeOutcome {
    const baseSha = this.resolve(`refs/heads/${base}`);
    const headSha = this.resolve(`refs/heads/${head}`);
    if (!baseSha || !headSha) return { conflict: 'the head or the base branch does not exist' };
    let sha: string;
    if (style === 'fast-forward-only') {
      if (!this.isAncestor(baseSha, headSha)) return { conflict: 'the base branch is not an ancestor of the head branch' };
      sha = headSha;
    } else if (style === 'rebase' || style === 'rebase-merge') {
      const rebased = this.rebase(baseSha, headSha, merger);
      if ('conflict' in rebased) return rebased;
      sha = style === 'rebase' ? rebased.sha : this.commitTree(this.treeOf(rebased.sha), [baseSha, rebased.sha], message, merger);
    } else {
      const tree = this.mergeTree(baseSha, headSha);
      if ('conflict' in tree) return tree;
      sha = this.commitTree(tree.sha, style === 'squash' ? [baseSha] : [baseSha, headSha], message, merger);
    }
    if (!this.setBranch(base, sha, baseSha)) return { conflict: 'the base branch moved while merging' };
    return { sha };
  }

  private mergeTree(baseSha: string, headSha: string): { sha: string } | { conflict: string } {
    const out = git(this.dir, ['merge-tree', '--write-tree', '--name-only', '--no-messages', baseSha, headSha], { allowFail: true });
    const [tree, ...paths] = out.stdout.trim().split('\n');
    if (out.status === 0) return { sha: tree };
    return { conflict: `merge conflict in ${paths.filter(Boolean).join(', ') || 'the changes'}` };
  }

  /** Replays the commits of `headSha` not in `baseSha` onto it (`git rebase` in a throw-away worktree). */
  private rebase(baseSha: string, headSha: string, merger: GitIdentity): { sha: string } | { conflict: string } {
    const worktree = mkdtempSync(join(tmpdir(), 'aiworker-rebase-'));
    try {
      git(this.dir, ['worktree', 'add', '--quiet', '--detach', worktree, headSha]);
      const env = { GIT_COMMITTER_NAME: merger.name, GIT_COMMITTER_EMAIL: merger.email };
      const out = git(undefined, ['-C', worktree, 'rebase', '--quiet', '--no-autostash', baseSha], { env, allowFail: true });
      if (out.status !== 0) return { conflict: 'rebase conflict' };
      return { sha: git(undefined, ['-C', worktree, 'rev-parse', 'HEAD']).stdout.trim() };
    } finally {
      git(this.dir, ['worktree', 'remove', '--force', worktree], { allowFail: true });
      rmSync(worktree, { recursive: true, force: true });
      git(this.dir, ['worktree', 'prune'], { allowFail: true });
    }
  }

  private treeOf(sha: string): string {
    return git(this.dir, ['rev-parse', `${sha}^{tree}`]).stdout.trim();
  }

  private commitTree(tree: string, parents: string[], message: string, author: GitIdentity): string {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
    return git(this.dir, args, { input: message, env: identityEnv(author) }).stdout.trim();
  }
}

/** Where the bare repositories live: `<root>/<owner>/<name>.git`, lower-cased like Gitea's own layout. */
export class GitStore {
  readonly root: string;
  private readonly ownsRoot: boolean;

  /** `root` undefined: a fresh temporary folder, removed by `dispose()`. */
  constructor(root?: string) {
    this.ownsRoot = !root;
    this.root = root ?? mkdtempSync(join(tmpdir(), 'aiworker-gitea-'));
    mkdirSync(this.root, { recursive: true });
  }

  pathOf(owner: string, name: string): string {
    return join(this.root, owner.toLowerCase(), `${name.toLowerCase()}.git`);
  }

  create(owner: string, name: string, defaultBranch: string): GitRepository {
    return GitRepository.init(this.pathOf(owner, name), defaultBranch);
  }

  /** Repositories already on disk (from an earlier run), as owner, name, default branch. */
  existing(): Array<{ owner: string; name: string; defaultBranch: string; repository: GitRepository }> {
    const found = [];
    for (const owner of safeList(this.root)) {
      for (const entry of safeList(join(this.root, owner))) {
        if (!entry.endsWith('.git')) continue;
        const dir = join(this.root, owner, entry);
        if (!existsSync(join(dir, 'HEAD'))) continue;
        const head = git(dir, ['symbolic-ref', '--short', 'HEAD'], { allowFail: true }).stdout.trim() || 'main';
        found.push({ owner, name: entry.slice(0, -'.git'.length), defaultBranch: head, repository: new GitRepository(dir) });
      }
    }
    return found;
  }

  remove(owner: string, name: string): void {
    rmSync(this.pathOf(owner, name), { recursive: true, force: true });
  }

  /** Removes every repository (the folder itself stays). */
  clear(): void {
    for (const owner of safeList(this.root)) rmSync(join(this.root, owner), { recursive: true, force: true });
  }

  dispose(): void {
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
