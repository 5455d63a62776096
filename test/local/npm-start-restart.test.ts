/**
 * `npm start` stopped and started again mid-loop, with the same data folder and PORT, as a person does after
 * a reboot: the Gitea stand-in comes back on its port with its pull requests, numbers, hooks and tokens, so
 * the loop goes on — the PR link answers, the merge works, the runner turns the next task into a PR #2 (not
 * a second #1), and a review in Gitea reaches the task by webhook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import { commandPath } from '../agent/helpers.js';
import { bannerField, bannerOf, freePort, freshFetch, npmStart } from '../helpers/npm-start.js';
import { deployedUnderTest } from '../helpers/runtime.js';

const folders: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
};

interface Running {
  base: string;
  adminToken: string;
  giteaUrl: string;
  giteaToken: string;
  stop(): Promise<void>;
}

async function start(env: Record<string, string>): Promise<Running> {
  const started = npmStart(env, children);
  const text = await bannerOf(started);
  return {
    base: bannerField(text, 'REST API')!.replace(/\/api$/, ''),
    adminToken: bannerField(text, 'Admin token')!,
    giteaUrl: bannerField(text, 'Gitea')!,
    giteaToken: bannerField(text, 'Gitea token')!,
    async stop() {
      started.child.kill('SIGINT');
      expect(await started.exited, started.output()).toBe(0);
    },
  };
}

async function call(url: string, method = 'GET', body?: unknown, auth?: string) {
  const response = await freshFetch(url, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * `npx aiworker agent --once` as a user runs it, against this npm start; resolves with its exit code and output.
 * The coding command is a script in this repository: the sandbox shows it only with --allow-read.
 */
function runner(run: Running, agentToken: string, workdir: string, projectId: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [join(projectRoot, 'node_modules', '.bin', 'aiworker'), 'agent', '--workdir', workdir, '--max-poll', '2', '--once', '--project', projectId, '--allow-read', commandPath(''), '--command', `sh ${commandPath('edit.sh')}`],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: workdir, AIWORKER_MCP_URL: `${run.base}/mcp`, AIWORKER_AGENT_TOKEN: agentToken, GITEA_URL: run.giteaUrl, GITEA_TOKEN: run.giteaToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe.skipIf(deployedUnderTest)('npm start, restarted mid-loop', { timeout: 900_000 }, () => {
  it('keeps the loop going: the PR link answers, merge works, the next task becomes PR #2, a review reaches it', async () => {
    const env = { PORT: String(await freePort()), AIWORKER_DATA_DIR: tempFolder('aiworker-restart-data-'), HOME: tempFolder('aiworker-restart-home-') };
    const workdir = tempFolder('aiworker-restart-runner-');
    let run = await start(env);
    const admin = `Bearer ${run.adminToken}`;
    const api = (path: string, method = 'GET', body?: unknown) => call(`${run.base}${path}`, method, body, admin);
    const task = async (id: string) => (await api(`/api/tasks/${id}`)).json.data;

    // Before: a project whose repository and hook the jobs made, a task the runner turns into PR #1, approved in Gitea.
    const project = (await api('/api/projects', 'POST', { name: 'Restart', giteaOwner: 'acme', giteaRepo: 'restart', createRepository: true })).json.data;
    for (const jobId of [project.repositoryJobId, project.webhookJobId]) {
      const job = await until(`job ${jobId}`, async () => {
        const current = (await api(`/api/jobs/${jobId}`)).json.data;
        return ['succeeded', 'failed', 'dead'].includes(current.status) && current;
      });
      expect(job.status, JSON.stringify(job)).toBe('succeeded');
    }
    const agent = (await api('/api/agents', 'POST', { name: 'restart-runner', capabilities: ['shell'] })).json.data;
    const first = (await api('/api/tasks', 'POST', { projectId: project.id, title: 'Add a header' })).json.data;
    const one = await runner(run, agent.token, workdir, project.id);
    expect(one.code, one.output).toBe(0);
    const inReview = await task(first.id);
    expect(inReview).toMatchObject({ state: 'ready_to_test', prNumber: 1 });
    const alice = (await call(`${run.giteaUrl}/api/v1/users/alice/tokens`, 'POST', { name: 'review' }, `Basic ${Buffer.from('alice:any').toString('base64')}`)).json.sha1;
    const gitea = (path: string, body: unknown) => call(`${run.giteaUrl}/api/v1/repos/acme/restart${path}`, 'POST', body, `token ${alice}`);
    expect((await gitea('/pulls/1/reviews', { event: 'APPROVED', body: 'Good.' })).status).toBe(200);
    await until('the approval to reach the task', async () => (await task(first.id)).state === 'approved');

    // The restart: same data folder, same PORT.
    const giteaBefore = run.giteaUrl;
    await run.stop();
    run = await start(env);
    expect(run.giteaUrl).toBe(giteaBefore);

    // The PR link stored on the task answers, and merging the approved task works.
    const link = await call(inReview.prUrl);
    expect(link.status).toBe(200);
    expect(link.text).toContain('Add a header');
    expect((await api(`/api/tasks/${first.id}/merge`, 'POST')).status).toBe(202);
    await until('the merge to move the task to staging', async () => (await task(first.id)).state === 'staging');
    expect((await call(`${run.giteaUrl}/api/v1/repos/acme/restart/pulls/1`, 'GET', undefined, `token ${run.giteaToken}`)).json).toMatchObject({ merged: true });

    // The runner (same workdir, same cached clone) turns the next task into PR #2.
    const second = (await api('/api/tasks', 'POST', { projectId: project.id, title: 'Add a footer' })).json.data;
    const two = await runner(run, agent.token, workdir, project.id);
    expect(two.code, two.output).toBe(0);
    expect(await task(second.id)).toMatchObject({ state: 'ready_to_test', prNumber: 2, prUrl: `${run.giteaUrl}/acme/restart/pulls/2` });

    // A review in Gitea (by a token made before the restart) reaches the task through the kept webhook.
    expect((await gitea('/pulls/2/reviews', { event: 'REQUEST_CHANGES', body: 'Make it blue.' })).status).toBe(200);
    const sentBack = await until('the review to reach the task', async () => {
      const current = await task(second.id);
      return current.state === 'in_progress' && current;
    });
    expect(sentBack.feedback).toContain('Make it blue.');
    await run.stop();
  });
});
