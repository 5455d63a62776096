import { execFile } from 'node:child_process';

export interface GitCredentials {
  username: string;
  token?: string;
}

export class GitCommandError extends Error {}

/** Where a worktree's git data is: given explicitly, so a `.git` the coding command planted there is never read. */
export interface WorktreeGit {
  gitDir: string;
  workTree: string;
}

export interface GitRunOptions {
  cwd?: string;
  network?: boolean;
  worktree?: WorktreeGit;
}

/**
 * Settings every git of the runner runs with, above any config file: no hooks (a hook planted in a repository
 * would run with the runner's credentials), no fsmonitor program, no `ext::` transport.
 */
const HARDENING: Array<[string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['protocol.ext.allow', 'never'],
];

/** Variables that would make git print what it sends (the credential header among it). */
const TRACE_VARIABLES = /^(GIT_TRACE.*|GIT_CURL_VERBOSE|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+)$/;

/**
 * git for the runner. Network calls carry the Gitea token as an `Authorization: Basic` header given to git
 * through its environment (GIT_CONFIG_COUNT / http.extraHeader): never on a command line (process lists),
 * never in a remote URL or config file on disk, never printed. Everything else runs with no credentials.
 */
export class Git {
  private readonly header?: string;

  constructor(private readonly credentials: GitCredentials) {
    if (credentials.token) this.header = `Authorization: Basic ${Buffer.from(`${credentials.username}:${credentials.token}`).toString('base64')}`;
  }

  private env(opts: GitRunOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!TRACE_VARIABLES.test(key) && !/^GIT_(DIR|WORK_TREE|COMMON_DIR|INDEX_FILE|OBJECT_DIRECTORY)$/.test(key)) env[key] = value;
    env.GIT_TERMINAL_PROMPT = '0';
    const config = [...HARDENING];
    if (opts.network && this.header) config.push(['http.extraHeader', this.header]);
    env.GIT_CONFIG_COUNT = String(config.length);
    for (const [i, [key, value]] of config.entries()) Object.assign(env, { [`GIT_CONFIG_KEY_${i}`]: key, [`GIT_CONFIG_VALUE_${i}`]: value });
    if (opts.worktree) Object.assign(env, { GIT_DIR: opts.worktree.gitDir, GIT_WORK_TREE: opts.worktree.workTree });
    return env;
  }

  /** Runs git; resolves with its stdout (trimmed), rejects with its stderr (any secret masked). */
  run(args: string[], opts: GitRunOptions = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd: opts.cwd ?? opts.worktree?.workTree, env: this.env(opts), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new GitCommandError(this.mask(`git ${args[0]} failed: ${String(stderr).trim() || error.message}`)));
        else resolve(String(stdout).trim());
      });
    });
  }

  /** Like run, but answers whether git exited 0 instead of throwing. */
  async succeeds(args: string[], opts: GitRunOptions = {}): Promise<boolean> {
    try {
      await this.run(args, opts);
      return true;
    } catch (error) {
      if (error instanceof GitCommandError) return false;
      throw error;
    }
  }

  mask(text: string): string {
    let out = text;
    for (const secret of [this.credentials.token, this.header].filter((s): s is string => !!s)) out = out.split(secret).join('***');
    return out;
  }
}
