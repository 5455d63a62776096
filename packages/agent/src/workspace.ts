import { existsSync, realpathSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Git, WorktreeGit } from './git.js';
import type { ProjectView } from './mcp-session.js';

export interface Identity {
  name: string;
  email: string;
}

/**
 * Where the runner works: per project a bare clone (`repos/<owner>/<repo>.git`, fetched before each task),
 * and per task a git worktree of it (`tasks/<taskId>`) on the task's branch. A task that comes back
 * (an answer, review feedback) is resumed in the same worktree.
 */
export class Workspace {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Each prepared worktree's git data in its bare repository (never what the worktree's `.git` says). */
  private readonly linked = new Map<string, WorktreeGit>();

  constructor(
    readonly root: string,
    private readonly git: Git,
    private readonly giteaUrl: string,
  ) {}

  cloneUrl(project: ProjectView): string {
    return `${this.giteaUrl}/${encodeURIComponent(project.giteaOwner)}/${encodeURIComponent(project.giteaRepo)}.git`;
  }

  repoDir(project: ProjectView): string {
    return join(this.root, 'repos', project.giteaOwner.toLowerCase(), `${project.giteaRepo.toLowerCase()}.git`);
  }

  worktreeDir(taskId: string): string {
    return join(this.root, 'tasks', taskId);
  }

  logFile(taskId: string): string {
    return join(this.root, 'logs', `${taskId}.log`);
  }

  /** One git operation at a time per repository (slots may share a project; fetch and worktree add lock refs). */
  private exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.locks.set(key, next);
    return next;
  }

  /** Fetches the project's repository (cloning it the first time) and checks the branch out in the task's worktree. */
  prepare(project: ProjectView, taskId: string, branch: string): Promise<{ dir: string; resumed: boolean }> {
    const repo = this.repoDir(project);
    return this.exclusive(repo, async () => {
      if (!existsSync(join(repo, 'HEAD'))) {
        await mkdir(repo, { recursive: true });
        await this.git.run(['init', '--quiet', '--bare', repo]);
        // The plain URL: the credentials travel in the environment of each fetch and push only.
        await this.git.run(['remote', 'add', 'origin', this.cloneUrl(project)], { cwd: repo });
        await mkdir(join(repo, 'info'), { recursive: true });
        await appendFile(join(repo, 'info', 'exclude'), '\n# the runner\'s own files (prompt, question)\n.aiworker/\n');
      }
      // The clone follows the Gitea it is given now (GITEA_URL may have changed since it was made, e.g. a
      // restarted local Gitea on another port); its worktrees share this remote for the push.
      await this.git.run(['remote', 'set-url', 'origin', this.cloneUrl(project)], { cwd: repo });
      await this.git.run(['fetch', '--quiet', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*'], { cwd: repo, network: true });
      const dir = this.worktreeDir(taskId);
      const remoteBranch = `refs/remotes/origin/${branch}`;
      const start = (await this.git.succeeds(['rev-parse', '--verify', '--quiet', remoteBranch], { cwd: repo })) ? remoteBranch : `refs/remotes/origin/${project.defaultBranch}`;
      const known = await adminDirOf(repo, dir);
      if (known && existsSync(dir)) {
        const worktree = await this.link(dir, known);
        await this.git.run(['checkout', '--quiet', branch], { worktree });
        // Whatever reached the branch meanwhile (e.g. a person's fixup) comes in when it can be fast-forwarded.
        await this.git.succeeds(['merge', '--quiet', '--ff-only', start], { worktree });
        return { dir, resumed: true };
      }
      await this.git.run(['worktree', 'prune'], { cwd: repo });
      await mkdir(join(this.root, 'tasks'), { recursive: true });
      await this.git.run(['worktree', 'add', '--quiet', '-B', branch, dir, start], { cwd: repo });
      const added = await adminDirOf(repo, dir);
      if (!added) throw new Error(`git worktree add made no entry for ${dir} in ${repo}`);
      await this.link(dir, added);
      return { dir, resumed: false };
    });
  }

  /**
   * (Re)writes the worktree's `.git` file to point at its git data, replacing whatever the coding command put
   * there (so its own git keeps working), and remembers where that data is for the runner's git.
   */
  async link(dir: string, gitDir = this.linked.get(dir)?.gitDir): Promise<WorktreeGit> {
    if (!gitDir) throw new Error(`${dir} is not a prepared worktree`);
    await rm(join(dir, '.git'), { recursive: true, force: true });
    await writeFile(join(dir, '.git'), `gitdir: ${gitDir}\n`);
    const worktree = { gitDir, workTree: dir };
    this.linked.set(dir, worktree);
    return worktree;
  }

  private worktree(dir: string): WorktreeGit {
    const worktree = this.linked.get(dir);
    if (!worktree) throw new Error(`${dir} is not a prepared worktree`);
    return worktree;
  }

  /** Commits everything the command left uncommitted; false when there was nothing. */
  async commitAll(dir: string, message: string, who: Identity): Promise<boolean> {
    const worktree = this.worktree(dir);
    await this.git.run(['add', '--all'], { worktree });
    if (await this.git.succeeds(['diff', '--cached', '--quiet'], { worktree })) return false;
    await this.git.run(['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`, 'commit', '--quiet', '--no-verify', '-m', message], { worktree });
    return true;
  }

  /** Commits on the branch that the default branch does not have. */
  async commitsAhead(dir: string, defaultBranch: string): Promise<number> {
    return Number(await this.git.run(['rev-list', '--count', `refs/remotes/origin/${defaultBranch}..HEAD`], { worktree: this.worktree(dir) }));
  }

  async push(dir: string, branch: string): Promise<string> {
    const worktree = this.worktree(dir);
    await this.git.run(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], { worktree, network: true });
    return this.git.run(['rev-parse', 'HEAD'], { worktree });
  }

  async readIfExists(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  }
}

/** The bare repository's admin folder (`worktrees/<name>`) of the worktree at `dir`, read from the repository. */
async function adminDirOf(repo: string, dir: string): Promise<string | undefined> {
  const admin = join(repo, 'worktrees');
  let names: string[];
  try {
    names = await readdir(admin);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const pointer = (await readFile(join(admin, name, 'gitdir'), 'utf8').catch(() => '')).trim();
    if (pointer === join(dir, '.git') || (existsSync(dir) && pointer === join(realpathSync(dir), '.git'))) return join(admin, name);
  }
  return undefined;
}
