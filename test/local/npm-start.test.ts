/**
 * `npm start` as a user runs it: packages/local/src/main.ts in its own Node process (what the npm script
 * runs, through tsx), with its own DynamoDB Local, fauxqs and Gitea stand-in, a data folder of its own.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import { deployedUnderTest } from '../helpers/runtime.js';
import { hasProcNet, isLoopback, listeningSockets, tryConnect } from '../helpers/listening-sockets.js';

const folders: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
};

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start`'s entry point with `env` on top of a clean environment (no AWS or Gitea settings). */
function npmStart(env: Record<string, string>): Started {
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

async function banner(started: Started, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes('Press Ctrl-C to stop.')) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited with ${started.child.exitCode}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no banner within ${timeoutMs / 1000} s:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return started.output();
}

const javaServing = (dataDir: string) =>
  execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal') && line.includes(dataDir));

const field = (text: string, label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(text)?.[1];

describe.skipIf(deployedUnderTest)('npm start', () => {
  it('prints its URLs and admin token, serves REST and MCP, and stops cleanly on Ctrl-C', async () => {
    const dataDir = tempFolder('aiworker-start-');
    const started = npmStart({ PORT: '0', AIWORKER_DATA_DIR: dataDir });
    const text = await banner(started);
    const api = field(text, 'REST API')!;
    const mcp = field(text, 'MCP')!;
    const token = field(text, 'Admin token')!;
    expect(api).toMatch(/^http:\/\/.+\/api$/);
    expect(token).toMatch(/^adm_/);
    expect(text).toContain(`data in ${dataDir}`);
    // No GITEA_URL: the Gitea stand-in, from the copy of Gitea's API description the project carries.
    expect(field(text, 'Gitea')).toMatch(/^http:\/\//);

    expect((await fetch(`${api}/health`)).status).toBe(200);
    expect((await fetch(`${api}/projects`)).status).toBe(401);
    const created = await fetch(`${api}/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'From npm start', giteaOwner: 'acme', giteaRepo: 'started' }),
    });
    expect(created.status).toBe(201);
    const mcpWithoutToken = await fetch(mcp, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(mcpWithoutToken.status).toBe(401);
    expect(mcpWithoutToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(javaServing(dataDir)).toHaveLength(1);

    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('SIGINT received, stopping');
    expect(javaServing(dataDir)).toEqual([]);
  });

  // Never the machine's LAN address (this network watches it): 127.0.0.2 is an address of this machine that is
  // not 127.0.0.1, so a socket bound to every interface answers there and one bound to 127.0.0.1 does not.
  it.skipIf(!hasProcNet)('listens on loopback only: every listening socket of its process tree, Java child included, is 127.0.0.1', async () => {
    const started = npmStart({ PORT: '0', AIWORKER_DATA_DIR: tempFolder('aiworker-loopback-') });
    const text = await banner(started, 150_000);
    const portOf = (label: string) => Number(new URL(field(text, label)!).port);
    const expected = { api: portOf('REST API'), dynamodb: portOf('DynamoDB'), sqs: portOf('SQS'), gitea: portOf('Gitea') };

    const sockets = listeningSockets(started.child.pid!);
    const ports = sockets.map((socket) => socket.port);
    // The four services it prints are among them, DynamoDB Local's held by the Java child, not by node.
    for (const port of Object.values(expected)) expect(ports).toContain(port);
    expect(sockets.find((socket) => socket.port === expected.dynamodb)!.pid).not.toBe(started.child.pid);
    expect(sockets.filter((socket) => !isLoopback(socket.address))).toEqual([]);

    for (const { port } of sockets) {
      expect({ port, via: '127.0.0.1', result: await tryConnect('127.0.0.1', port) }).toEqual({ port, via: '127.0.0.1', result: 'connected' });
      expect({ port, via: '127.0.0.2', result: await tryConnect('127.0.0.2', port) }).toEqual({ port, via: '127.0.0.2', result: 'ECONNREFUSED' });
    }
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
  }, 240_000);

  it.skipIf(!hasProcNet)('HOST opens the API (and only the API) to another address on purpose', async () => {
    const started = npmStart({ PORT: '0', HOST: '0.0.0.0', AIWORKER_DATA_DIR: tempFolder('aiworker-host-') });
    const text = await banner(started, 150_000);
    const api = new URL(field(text, 'REST API')!);
    expect(api.hostname).toBe('localhost');
    expect((await fetch(`http://127.0.0.2:${api.port}/api/health`)).status).toBe(200);
    const others = listeningSockets(started.child.pid!).filter((socket) => socket.port !== Number(api.port));
    expect(others.length).toBeGreaterThanOrEqual(3);
    expect(others.filter((socket) => !isLoopback(socket.address))).toEqual([]);
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
  }, 240_000);

  it('says plainly that the port is taken, with no stack trace, and leaves nothing running', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dataDir = tempFolder('aiworker-port-');
      const started = npmStart({ PORT: String(port), AIWORKER_DATA_DIR: dataDir });
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain(`Port ${port} is already in use`);
      expect(started.output()).toContain('PORT=3001 npm start');
      expect(started.output()).not.toMatch(/^\s+at /m);
      expect(javaServing(dataDir)).toEqual([]);
      // Said before anything started: one line, and DynamoDB Local never made its files.
      expect(started.output().trim().split('\n')).toHaveLength(1);
      expect(readdirSync(dataDir).filter((name) => name.endsWith('.db'))).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('refuses a second npm start on the same data folder in one line; a data folder inside the project is git-ignored', async () => {
    const dataDir = join(projectRoot, `.tmp-data-${process.pid}`);
    folders.push(dataDir);
    const first = npmStart({ PORT: '0', AIWORKER_DATA_DIR: dataDir });
    await banner(first);
    const second = npmStart({ PORT: '0', AIWORKER_DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output().trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`Another npm start \\(pid ${first.child.pid}\\) is using the data folder`))]);
    expect(first.child.exitCode).toBeNull();
    // Nothing of it shows up for git.
    expect(execFileSync('git', ['status', '--porcelain', '--ignored=no', '--', dataDir], { cwd: projectRoot, encoding: 'utf8' })).toBe('');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    // Once the first has stopped, the folder is free again.
    const third = npmStart({ PORT: '0', AIWORKER_DATA_DIR: dataDir });
    await banner(third);
    third.child.kill('SIGINT');
    expect(await third.exited).toBe(0);
  });

  it('says plainly that Java 17 is needed when there is no java, with no stack trace', async () => {
    // A PATH with node on it and nothing else.
    const bin = tempFolder('aiworker-nojava-');
    symlinkSync(process.execPath, join(bin, 'node'));
    const started = npmStart({ PATH: bin, AIWORKER_DATA_DIR: tempFolder('aiworker-nojava-data-') });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('Java 17 or newer is needed');
    expect(started.output()).not.toMatch(/^\s+at /m);
  });
});
