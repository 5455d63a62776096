import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime, uniqueName } from '../helpers/runtime.js';
import { eventually, standInTarget, useFastRetries, waitForJob, type GiteaTarget } from '../jobs/helpers.js';

/**
 * The runner against the local runtime: DynamoDB Local, fauxqs, the job worker, the sweeper (every second,
 * with a short lease) and the Gitea stand-in with real git repositories and webhooks back to the runtime.
 * The runner itself is a real process (`npx aiworker agent`), its coding commands scripts in ./commands.
 */
export interface AgentWorld {
  runtime: Runtime;
  api: ApiClient;
  gitea: GiteaTarget;
  leaseSeconds: number;
  folders: string[];
  stop(): Promise<void>;
}

export const LEASE_SECONDS = 6;
export const commandPath = (name: string) => join(projectRoot, 'test', 'agent', 'commands', name);
const run = promisify(execFile);

export async function startAgentWorld(): Promise<AgentWorld> {
  useFastRetries(10_000); // fast retries, but a loaded machine answers slowly: the runner tests do not test timeouts
  process.env.AIWORKER_LEASE_SECONDS = String(LEASE_SECONDS);
  const gitea = await standInTarget();
  const runtime = await startTestRuntime({
    giteaUrl: gitea.url,
    giteaToken: gitea.token,
    webhooks: { secret: randomBytes(24).toString('hex') },
    sweeper: { intervalMs: 1000 },
  });
  const folders: string[] = [];
  return {
    runtime,
    api: apiClient(runtime.url, runtime.adminToken),
    gitea,
    leaseSeconds: LEASE_SECONDS,
    folders,
    async stop() {
      await runtime.stop();
      await gitea.close();
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function tempFolder(world: AgentWorld, prefix = 'aiworker-agent-test-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  world.folders.push(folder);
  return folder;
}

/** A project whose repository (with its initial commit) and webhook the jobs made in the stand-in. */
export async function projectWithRepo(world: AgentWorld) {
  const repo = uniqueName('agent');
  const project = ok(await world.api.post('/api/projects', { name: `Agent ${repo}`, giteaOwner: world.gitea.owner, giteaRepo: repo, createRepository: true }), 201);
  for (const jobId of [project.repositoryJobId, project.webhookJobId].filter(Boolean)) {
    const job = await waitForJob(world.api, jobId);
    if (job.status !== 'succeeded') throw new Error(`${job.type} job failed: ${job.error}`);
  }
  return project;
}

export async function newTask(world: AgentWorld, projectId: string, title: string, description = '') {
  return ok(await world.api.post('/api/tasks', { projectId, title, description }), 201);
}

export async function newAgentToken(world: AgentWorld, name = uniqueName('runner')): Promise<{ id: string; token: string }> {
  const agent = ok(await world.api.post('/api/agents', { name, capabilities: ['shell'] }), 201);
  return { id: agent.id, token: agent.token };
}

export interface RunnerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the runner the way a user does: `npx aiworker agent …` in the project (or the bin it resolves to,
 * `viaNpx: false`, where a test signals the process itself), with a clean environment.
 */
export function startRunner(world: AgentWorld, options: { tokens: string[]; args: string[]; env?: Record<string, string>; workdir: string; viaNpx?: boolean }): RunnerProcess {
  const env = {
    // The scripted commands' folder is on PATH: the sandbox lets the command read PATH's folders.
    PATH: `${commandPath('')}:${process.env.PATH ?? ''}`,
    HOME: options.workdir,
    AIWORKER_MCP_URL: `${world.runtime.url}/mcp`,
    AIWORKER_AGENT_TOKEN: options.tokens.join(','),
    GITEA_URL: world.gitea.url,
    GITEA_TOKEN: world.gitea.token,
    GITEA_USERNAME: world.gitea.owner,
    ...options.env,
  };
  const args = ['agent', '--workdir', join(options.workdir, 'work'), '--max-poll', '2', ...options.args];
  const child =
    options.viaNpx === false
      ? spawn(process.execPath, [join(projectRoot, 'node_modules', '.bin', 'aiworker'), ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('npx', ['--no-install', 'aiworker', ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return { child, output: () => output, exited };
}

/** Runs the runner to its end; fails with its output when it does not end in time. */
export async function runRunner(world: AgentWorld, options: Parameters<typeof startRunner>[1], timeoutMs = 150_000): Promise<{ code: number | null; output: string }> {
  const runner = startRunner(world, options);
  const timer = setTimeout(() => runner.child.kill('SIGKILL'), timeoutMs);
  const code = await runner.exited;
  clearTimeout(timer);
  return { code, output: runner.output() };
}

export async function waitForOutput(runner: RunnerProcess, text: string | RegExp, timeoutMs = 60_000): Promise<void> {
  await eventually(`runner output ${String(text)}\n--- output so far:\n${runner.output()}`, async () => {
    const out = runner.output();
    if (runner.child.exitCode !== null) throw new Error(`runner exited (${runner.child.exitCode}) before printing ${String(text)}:\n${out}`);
    return typeof text === 'string' ? out.includes(text) : text.test(out);
  }, timeoutMs);
}

export async function getTask(world: AgentWorld, id: string) {
  return ok(await world.api.get(`/api/tasks/${id}`));
}

export async function taskEvents(world: AgentWorld, id: string): Promise<Array<{ type: string; from?: string; to?: string; message: string; actor?: string }>> {
  return ok(await world.api.get(`/api/tasks/${id}/events?limit=100`));
}

/** git as a user runs it, with no configuration of their own (async: the stand-in answers in this process). */
export async function git(cwd: string, args: string[]): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
  return (await run('git', args, { cwd, env, encoding: 'utf8' })).stdout.trim();
}

/** A fresh clone of one branch of a stand-in repository (anonymous: the repositories are public). */
export async function cloneBranch(world: AgentWorld, repo: string, branch: string): Promise<string> {
  const dir = tempFolder(world, 'aiworker-clone-');
  await git(dir, ['clone', '--quiet', '--branch', branch, `${world.gitea.url}/${world.gitea.owner}/${repo}.git`, 'c']);
  return join(dir, 'c');
}

/** Whether a process still runs (a zombie waiting to be reaped by init does not). */
export const isAlive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};
