import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { projectRoot } from '../../packages/local/src/handler-loader.js';

/** `npm start` as a user runs it: packages/local/src/main.ts in its own Node process (what the npm script runs, through tsx). */
export interface NpmStart {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start`'s entry point with `env` on top of a clean environment (no AWS or Gitea settings). */
export function npmStart(env: Record<string, string>, children: ChildProcess[] = []): NpmStart {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/local/src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The banner npm start prints once everything is up; fails with its output when it exits or takes too long. */
export async function bannerOf(started: NpmStart, timeoutMs = 360_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes('Press Ctrl-C to stop.')) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited with ${started.child.exitCode}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no banner within ${timeoutMs / 1000} s:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return started.output();
}

/** The value on the banner line that starts with `label`. */
export const bannerField = (text: string, label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(text)?.[1];

/** A port nothing listens on right now (for a PORT that must stay the same across restarts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * fetch on a new connection each time: Node's fetch keeps idle connections without reading them, so one to a
 * process that has been restarted fails on reuse ("other side closed") although the port answers again.
 */
export function freshFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), connection: 'close' } });
}
