import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Git } from './git.js';
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
      if (existsSync(join(dir, '.git'))) {
        await this.git.run(['checkout', '--quiet', branch], { cwd: dir });
        // Whatever reached the branch meanwhile (e.g. a person's fixup) comes in when it can be fast-forwarded.
        await this.git.succeeds(['merge', '--quiet', '--ff-only', start], { cwd: dir });
        return { dir, resumed: true };
      }
      await this.git.run(['worktree', 'prune'], { cwd: repo });
      await mkdir(join(this.root, 'tasks'), { recursive: true });
      await this.git.run(['worktree', 'add', '--quiet', '-B', branch, dir, start], { cwd: repo });
      return { dir, resumed: false };
    });
  }

  /** Commits everything the command left uncommitted; false when there was nothing. */
  async commitAll(dir: string, message: string, who: Identity): Promise<boolean> {
    await this.git.run(['add', '--all'], { cwd: dir });
    if (await this.git.succeeds(['diff', '--cached', '--quiet'], { cwd: dir })) return false;
    await this.git.run(['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`, 'commit', '--quiet', '--no-verify', '-m', message], { cwd: dir });
    return true;
  }

  /** Commits on the branch that the default branch does not have. */
  async commitsAhead(dir: string, defaultBranch: string): Promise<number> {
    return Number(await this.git.run(['rev-list', '--count', `refs/remotes/origin/${defaultBranch}..HEAD`], { cwd: dir }));
  }

  async push(dir: string, branch: string): Promise<string> {
    await this.git.run(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], { cwd: dir, network: true });
    return this.git.run(['rev-parse', 'HEAD'], { cwd: dir });
  }

  async readIfExists(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  }
}
