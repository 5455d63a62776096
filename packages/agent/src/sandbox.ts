import { execFile } from 'node:child_process';
import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { FORWARDER, SANDBOX_PROXY_PORT, startEgressProxy, type EgressProxy } from './egress-proxy.js';

/** Where the coding command's home and temp live inside the sandbox (a fresh tmpfs for every run). */
export const SANDBOX_HOME = '/tmp/home';
export const SANDBOX_TMP = '/tmp';
/** Where the egress proxy's socket shows inside the sandbox (with --allow-host). */
const SANDBOX_PROXY_SOCKET = '/run/aiworker-egress.sock';

export interface SandboxSettings {
  /** The bubblewrap binary (`bwrap` on PATH). */
  bwrap: string;
  /** Extra paths the command may read (e.g. where its CLI is installed), bound read-only. */
  allowRead: string[];
  /** PATH of the runner: its directories are bound read-only so the command finds its tools. */
  path: string;
  /** The runner's workdir (repositories, other tasks' worktrees, logs): nothing in it is bound but the task's own. */
  workdir: string;
  /** The person's home: never bound whole (a PATH folder inside it, like ~/.local/bin, is). */
  home: string;
  /** With hosts, the sandbox has no network but an HTTP(S) proxy to these (`*.example.com` for subdomains). */
  allowHosts: string[];
}

export interface TaskMounts {
  /** The task's git worktree: the only place the command can write (besides its own tmpfs /tmp). */
  worktree: string;
  /** The project's bare repository the worktree's `.git` points into: read-only (no hooks, no config). */
  repo: string;
}

/** Top-level folders every program needs; bound read-only (or recreated as the symlinks they are). */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];
/** Files under /etc no coding command needs and a root command could otherwise read. */
const HIDDEN = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', '/etc/sudoers', '/etc/sudoers.d', '/etc/ssh'];

/**
 * The coding command's sandbox on Linux, built on Debian's bubblewrap (`bwrap`) directly.
 *
 * It runs in new user, PID, IPC, UTS and cgroup namespaces with every capability dropped and no way to make
 * further user namespaces; it sees a fresh /proc (its own processes only: never the runner's environment),
 * a minimal /dev, the system folders read-only, a fresh tmpfs for /tmp and its home, the project's bare
 * repository read-only (its objects for `git log`/`git diff`; no hook or config can be planted) and its
 * task's worktree read-write. Nothing else of the machine is there: not the runner's workdir (other tasks,
 * logs), not the person's home. The environment is given whole by the caller (an allowlist).
 */
export class Sandbox {
  private egress?: EgressProxy;

  constructor(private readonly settings: SandboxSettings) {}

  /** Starts the egress proxy when hosts are allowed (before the first command). */
  async start(): Promise<void> {
    if (this.settings.allowHosts.length > 0 && !this.egress) this.egress = await startEgressProxy(this.settings.allowHosts);
  }

  async close(): Promise<void> {
    await this.egress?.close();
    this.egress = undefined;
  }

  /** The argv that runs `command` through `sh -c` inside the sandbox, in `mounts.worktree`. */
  wrap(command: string, mounts: TaskMounts): string[] {
    if (this.settings.allowHosts.length > 0 && !this.egress) throw new Error('the sandbox has allowed hosts but its proxy was not started');
    if (!this.egress) return [this.settings.bwrap, ...this.args(mounts), '--', '/bin/sh', '-c', command];
    // No network but the proxy: node (the runner's own) forwards 127.0.0.1:3128 to it and runs the command.
    const node = process.execPath;
    const egress = ['--unshare-net', '--bind', this.egress.socketPath, SANDBOX_PROXY_SOCKET, ...(isCovered(node) ? [] : ['--ro-bind', node, node])];
    return [this.settings.bwrap, ...this.args(mounts), ...egress, '--', node, '-e', FORWARDER, String(SANDBOX_PROXY_PORT), SANDBOX_PROXY_SOCKET, command];
  }

  /** What the command's environment must say inside the sandbox: its home and temp, and the proxy if any. */
  env(): Record<string, string> {
    const env: Record<string, string> = { HOME: SANDBOX_HOME, TMPDIR: SANDBOX_TMP };
    if (this.settings.allowHosts.length > 0) {
      const proxy = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
      Object.assign(env, { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, ALL_PROXY: proxy, NO_PROXY: '', no_proxy: '' });
    }
    return env;
  }

  private args(mounts: TaskMounts): string[] {
    const args = [
      '--unshare-user', '--disable-userns', '--cap-drop', 'ALL',
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
      '--die-with-parent',
      '--hostname', 'aiworker-sandbox',
    ];
    for (const path of SYSTEM) args.push(...systemMount(path));
    for (const path of HIDDEN) args.push(...hide(path));
    // /etc/resolv.conf is often a link into /run (systemd-resolved).
    args.push('--ro-bind-try', '/run/systemd/resolve', '/run/systemd/resolve');
    args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', SANDBOX_TMP, '--dir', SANDBOX_HOME);
    for (const dir of this.readable()) args.push('--ro-bind-try', dir, dir);
    args.push('--ro-bind', mounts.repo, mounts.repo);
    args.push('--bind', mounts.worktree, mounts.worktree);
    args.push('--chdir', mounts.worktree);
    return args;
  }

  /** PATH's folders and --allow-read paths, minus anything holding the runner's own files. */
  private readable(): string[] {
    const fromPath = this.settings.path.split(':').filter((dir) => isAbsolute(dir) && !isCovered(dir)).map((dir) => resolve(dir));
    return [...new Set([...fromPath, ...this.settings.allowRead.map((dir) => resolve(dir))])].filter((dir) => !exposesRunner(dir, this.settings));
  }

  /** Whether the sandbox can be made here: runs `true` in it. Resolves with why not, or undefined. */
  async unavailable(): Promise<string | undefined> {
    if (process.platform !== 'linux') return `no sandbox for ${process.platform} yet (bubblewrap is Linux only)`;
    const probe = mkdtempSync(join(tmpdir(), 'aiworker-sandbox-probe-'));
    try {
      const [file, ...args] = new Sandbox({ ...this.settings, allowRead: [], path: '', allowHosts: [] }).wrap('true', { worktree: probe, repo: probe });
      return await new Promise((done) => {
        execFile(file, args, { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }, (error, _stdout, stderr) => {
          if (!error) return done(undefined);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return done(`${this.settings.bwrap} (bubblewrap) is not installed`);
          done(`${this.settings.bwrap} cannot make a sandbox here: ${String(stderr).trim().split('\n')[0] || error.message}`);
        });
      });
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }
}

/** `/bin` on a merged-/usr system is a symlink: recreate it; a real folder is bound read-only. */
function systemMount(path: string): string[] {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return [];
  }
  if (stat.isSymbolicLink()) return ['--symlink', readlinkSync(path), path];
  return ['--ro-bind', path, path];
}

/** Whether binding `dir` would show the runner's workdir or the person's whole home. */
export function exposesRunner(dir: string, own: { workdir: string; home: string }): boolean {
  const path = resolve(dir);
  return isInside(resolve(own.workdir), path) || isInside(resolve(own.home), path) || isInside(path, resolve(own.workdir));
}

/** A file shows as empty (/dev/null), a folder as an empty read-only one. */
function hide(path: string): string[] {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return [];
  }
  if (stat.isSymbolicLink()) return [];
  return stat.isDirectory() ? ['--tmpfs', path, '--remount-ro', path] : ['--ro-bind', '/dev/null', path];
}

function isCovered(dir: string): boolean {
  return SYSTEM.some((system) => isInside(resolve(dir), system));
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
