import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../board/browser.js';
import { ok } from '../helpers/http.js';
import { eventually } from '../jobs/helpers.js';
import { commandPath, getTask, isAlive, newAgentToken, newTask, projectWithRepo, startAgentWorld, startRunner, taskEvents, tempFolder, waitForOutput, type AgentWorld } from './helpers.js';

// The runner's live log, Stop and Retry, and usage, end to end: a real runner process, DynamoDB Local, the
// Gitea stand-in, and the board in Chromium.
let world: AgentWorld;
let browser: Browser;

beforeAll(async () => {
  world = await startAgentWorld();
  browser = await launchBrowser();
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

type Entry = { at: string; attempt: number; stream: string; text: string };
const readLog = async (taskId: string): Promise<Entry[]> => ok(await world.api.get(`/api/tasks/${taskId}/log?limit=100`));

describe('a run people can watch, stop and retry', { timeout: 240_000 }, () => {
  it('streams the command\'s output to the REST log and the board while it runs, as steps for stream-json lines, secrets masked; its usage adds up on the task and project', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Say hello');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const go = join(home, 'go');
    const runner = startRunner(world, {
      tokens: [agent.token],
      workdir: home,
      // The command waits for a file in the test's folder, which the sandbox would hide (test/agent/sandbox.test.ts
      // covers the sandbox); the runner's token is handed to it on purpose, and the log still masks it.
      args: ['--once', '--project', project.id, '--command', `sh ${commandPath('stream-json.sh')}`, '--no-sandbox', '--pass-env', 'GO_FILE', '--pass-env', 'AIWORKER_LEAK_CHECK'],
      env: { GO_FILE: go, AIWORKER_LEAK_CHECK: agent.token },
    });
    try {
      // While the command waits for the go file, its first lines are already on the REST route.
      await waitForOutput(runner, 'running the coding command', 150_000);
      await eventually('the first lines in the live log', async () => (await readLog(task.id)).some((entry) => entry.text.startsWith('tool result')), 30_000);
      const early = await readLog(task.id);
      expect((await getTask(world, task.id)).state).toBe('in_progress');
      // stdout and stderr are two pipes: their lines may interleave either way.
      const byText = (a: { text: string }, b: { text: string }) => a.text.localeCompare(b.text);
      expect(early.map(({ stream, text }) => ({ stream, text })).sort(byText), JSON.stringify(early)).toEqual([
        { stream: 'step', text: 'session init (model claude-sonnet-4-5)' },
        { stream: 'step', text: 'tool Write: {"file_path":"hello.txt","content":"hello"}' },
        { stream: 'stderr', text: 'plain progress line with the token ***' },
        { stream: 'step', text: 'tool result: File created' },
      ].sort(byText));
      expect(JSON.stringify(early)).not.toContain(agent.token);

      // The board's drawer shows it live.
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${world.runtime.url}/`);
      await page.getByLabel('Admin token').fill(world.runtime.adminToken);
      await page.getByRole('button', { name: 'Sign in with the token' }).click();
      await page.locator('.card', { hasText: 'Say hello' }).getByRole('button', { name: 'Say hello' }).click();
      const log = page.locator('ol.log');
      await log.getByText('tool Write:').waitFor({ timeout: 20_000 });
      await log.getByText('plain progress line with the token ***').waitFor();
      await page.getByRole('button', { name: 'Stop' }).waitFor();

      writeFileSync(go, '');
      // New lines arrive in the open drawer without a reload.
      await log.getByText('message: Created hello.txt.').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(process.env.AIWORKER_SCREENSHOTS ?? home, 'live-log.png') });
      await page.close();

      const code = await runner.exited;
      expect(code, runner.output()).toBe(0);
      const done = await getTask(world, task.id);
      expect(done.state).toBe('ready_to_test');
      expect(done.usage).toEqual({ attempts: 1, seconds: expect.any(Number), inputTokens: 2400, outputTokens: 48, costUsd: 0.0123 });
      expect(done.usage.seconds).toBeGreaterThan(0);
      expect(ok(await world.api.get(`/api/projects/${project.id}`)).usage).toMatchObject({ attempts: 1, inputTokens: 2400, outputTokens: 48, costUsd: 0.0123 });
      expect((await readLog(task.id)).at(-1)).toMatchObject({ stream: 'step', text: 'result success: 2 turn(s), $0.0123 — Created hello.txt.' });
      expect((await taskEvents(world, task.id)).find((event) => event.type === 'attempt')?.message).toMatch(/^Attempt 1: exit 0 after \d+ s; 2400 tokens in, 48 out; \$0\.0123$/);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- runner output:\n${runner.output()}`);
    } finally {
      runner.child.kill('SIGKILL');
    }
  });

  it('Stop ends a 60 s command\'s process group within 5 s; the task waits in the backlog until Retry makes it claimable again', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Work for a minute');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const pids = join(home, 'pids');
    const runner = startRunner(world, {
      tokens: [agent.token],
      workdir: home,
      // Outside the sandbox, so the test sees the command's process ids as the machine does (the sandbox has its own PID namespace).
      args: ['--once', '--project', project.id, '--command', `sh ${commandPath('long.sh')}`, '--no-sandbox', '--pass-env', 'PIDS_FILE'],
      env: { PIDS_FILE: pids },
    });
    try {
      await waitForOutput(runner, 'running the coding command', 150_000);
      await eventually('the command working', async () => (await readLog(task.id)).some((entry) => entry.text === 'working 2'), 30_000);
      const started = readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
      expect(started.filter(isAlive)).toHaveLength(2);

      const asked = performance.now();
      const stopped = ok(await world.api.post(`/api/tasks/${task.id}/stop`));
      expect(stopped).toMatchObject({ state: 'backlog', held: expect.stringContaining('The admin stopped it') });
      await eventually('the command and its child gone', async () => started.every((pid) => !isAlive(pid)), 10_000);
      const seconds = (performance.now() - asked) / 1000;
      console.log(`Stop → process group gone: ${seconds.toFixed(2)} s`);
      expect(seconds).toBeLessThan(5);

      const code = await runner.exited;
      expect(runner.output()).toMatch(/stopped by a person: The admin stopped task/);
      expect(code, runner.output()).toBe(0);
      expect((await getTask(world, task.id))).toMatchObject({ state: 'backlog', held: expect.any(String), stopped: { by: 'admin', agentId: agent.id } });
      const events = await taskEvents(world, task.id);
      expect(events.find((event) => event.type === 'stopped')).toMatchObject({ actor: 'admin', from: 'in_progress', to: 'backlog' });
      expect(events.find((event) => event.type === 'attempt')?.message).toMatch(/^Attempt 1: stopped after \d+ s$/);
      // Held: not in the claimable backlog.
      expect(ok(await world.api.get(`/api/tasks?projectId=${project.id}&ready=true`))).toEqual([]);

      // Retry from the board's drawer, which says why the task waits.
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${world.runtime.url}/`);
      await page.getByLabel('Admin token').fill(world.runtime.adminToken);
      await page.getByRole('button', { name: 'Sign in with the token' }).click();
      await page.locator('.card', { hasText: 'Work for a minute' }).getByRole('button', { name: 'Work for a minute' }).click();
      await page.getByRole('note').filter({ hasText: 'Waiting for a retry: The admin stopped it' }).waitFor();
      await page.locator('ol.log').getByText('working 2').waitFor();
      await page.screenshot({ path: join(process.env.AIWORKER_SCREENSHOTS ?? home, 'stopped.png') });
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('button', { name: 'Retry' }).waitFor({ state: 'detached', timeout: 15_000 });
      await page.close();
      expect(ok(await world.api.get(`/api/tasks?projectId=${project.id}&ready=true`)).map((t: { id: string }) => t.id)).toEqual([task.id]);
      expect((await taskEvents(world, task.id)).at(-1)).toMatchObject({ type: 'retried', actor: 'admin' });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- runner output:\n${runner.output()}`);
    } finally {
      runner.child.kill('SIGKILL');
    }
  });
});
