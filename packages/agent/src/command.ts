import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Sandbox, TaskMounts } from './sandbox.js';

export type CommandOutcome =
  | { kind: 'exited'; code: number; tail: string }
  | { kind: 'timeout'; seconds: number; tail: string }
  | { kind: 'stopped'; tail: string };

export interface CommandRun {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: string;
  timeoutSeconds: number;
  logFile: string;
  /** Also copy the output to the terminal. */
  echo: boolean;
  signal: AbortSignal;
  /** Also hands each chunk of output on (the live log). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Run inside this sandbox (the runner's default); without it the command runs as the runner's child. */
  sandbox?: { sandbox: Sandbox; mounts: TaskMounts };
}

const GRACE_MS = 5000;
const TAIL_CHARS = 2000;

/**
 * Runs the coding command through the shell as the leader of its own process group, so a timeout or
 * Ctrl-C ends it and everything it started (SIGTERM to the group, SIGKILL after a grace period).
 * Output goes to the task's log file; its last lines come back for error messages.
 */
export async function runCommand(run: CommandRun): Promise<CommandOutcome> {
  await mkdir(dirname(run.logFile), { recursive: true });
  const log = createWriteStream(run.logFile, { flags: 'a' });
  log.write(`\n=== ${new Date().toISOString()} $ ${run.command}\n`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    log.write(chunk);
    if (run.echo) process.stderr.write(chunk);
  };
  const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    keep(chunk);
    run.onOutput?.(stream, chunk);
  };

  const [file, ...args] = run.sandbox ? run.sandbox.sandbox.wrap(run.command, run.sandbox.mounts) : ['/bin/sh', '-c', run.command];
  const child = spawn(file, args, { cwd: run.cwd, env: run.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', forward('stdout'));
  child.stderr.on('data', forward('stderr'));
  child.stdin.on('error', () => undefined); // a command that does not read its stdin
  child.stdin.end(run.stdin);

  let ended: 'timeout' | 'stopped' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (why: 'timeout' | 'stopped') => {
    if (ended || child.exitCode !== null) return;
    ended = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), GRACE_MS);
  };
  const timer = setTimeout(() => killGroup('timeout'), run.timeoutSeconds * 1000);
  const onAbort = () => killGroup('stopped');
  if (run.signal.aborted) onAbort();
  else run.signal.addEventListener('abort', onAbort, { once: true });

  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const result = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  run.signal.removeEventListener('abort', onAbort);
  // The shell is gone; anything it left behind in its group goes with it (and lets its output close).
  signalGroup(child.pid, 'SIGKILL');
  if (killTimer) clearTimeout(killTimer);
  if (!result.error) await closed;
  await new Promise<void>((resolve) => log.end(() => resolve()));

  if (result.error) return { kind: 'exited', code: 127, tail: `${tail}\n${result.error.message}`.trim() };
  if (ended === 'timeout') return { kind: 'timeout', seconds: run.timeoutSeconds, tail };
  if (ended === 'stopped') return { kind: 'stopped', tail };
  return { kind: 'exited', code: result.code ?? 1, tail };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
