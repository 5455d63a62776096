import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { GiteaStandIn } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startSignInRuntime } from '../helpers/signin.js';
import { useFastRetries } from '../jobs/helpers.js';
import { connectAgent, type AgentClient } from '../mcp/mcp-client.js';
import { launchBrowser } from './browser.js';

/**
 * What a person sees on cards and in the drawer, in Debian's Chromium: a question and its answer stay in
 * the drawer's history; the answer box goes as soon as the answer is sent; a card names its project; a
 * failed Gitea job shows on its card with Retry (asked for again in the person's name); the Agents table
 * fits a phone. Screenshots go to AIWORKER_SCREENSHOTS (default a folder under the system's tmp).
 */
let runtime: Runtime;
let gitea: GiteaStandIn;
let browser: Browser;
let admin: ApiClient;
let page: Page;
const agents: AgentClient[] = [];
const LIVE = { timeout: 15_000 };
/** A Gitea job through SQS and the worker: quick, but slow on a loaded machine. */
const JOB = { timeout: 60_000, interval: 250 };
const shots = process.env.AIWORKER_SCREENSHOTS ?? join(tmpdir(), 'aiworker-board-shots');
const previousCache = process.env.AIWORKER_BOARD_CACHE_MS;

beforeAll(async () => {
  useFastRetries();
  mkdirSync(shots, { recursive: true });
  // A board read shared for 4 s (as many open boards on one instance would share it): a poll right after a
  // change still sees the old task, so what the drawer shows after a change must not wait for the poll.
  process.env.AIWORKER_BOARD_CACHE_MS = '4000';
  ({ runtime, gitea } = await startSignInRuntime([{ login: 'alice', password: 'alice-pw', orgs: ['acme'] }], { orgs: ['acme'], admins: ['alice'] }));
  admin = apiClient(runtime.url, runtime.adminToken);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  // Alice signs in with Gitea: what she does is hers in the events.
  await page.goto(`${runtime.url}/`);
  await page.getByRole('link', { name: 'Sign in with Gitea' }).click();
  await page.getByLabel('Username or email address').fill('alice');
  await page.getByLabel('Password').fill('alice-pw');
  await page.getByRole('button', { name: 'Sign in and authorize' }).click();
  await page.locator('.who', { hasText: 'alice' }).waitFor(LIVE);
});
afterAll(async () => {
  for (const agent of agents) await agent.close();
  await browser?.close();
  await runtime?.stop();
  if (previousCache === undefined) delete process.env.AIWORKER_BOARD_CACHE_MS;
  else process.env.AIWORKER_BOARD_CACHE_MS = previousCache;
});

const column = (state: string) => page.locator(`section.column[data-state="${state}"]`);
const card = (state: string, title: string) => column(state).locator('li.card', { hasText: title });
const notice = () => page.locator('.notice');

async function project(name: string, repo: string) {
  return ok(await admin.post('/api/projects', { name, giteaOwner: 'acme', giteaRepo: repo }), 201);
}

async function agentClaiming(name: string, projectId: string) {
  const registered = ok(await admin.post('/api/agents', { name, capabilities: ['typescript'] }), 201);
  const agent = await connectAgent(runtime, registered.token, name);
  agents.push(agent);
  const claim = await agent.call('get_next_task', { projectId });
  expect(claim.isError, claim.text).toBe(false);
  return { agent, id: registered.id as string, taskId: claim.structured.task.id as string };
}

describe('cards and the drawer', { timeout: 150_000 }, () => {
  it('keeps a question and its answer in the drawer after answering, and drops the answer box at once', async () => {
    const shop = await project('Web shop', 'web-shop');
    ok(await admin.post('/api/tasks', { projectId: shop.id, title: 'Pick a payment provider' }), 201);
    const { agent, taskId } = await agentClaiming('claude-q', shop.id);
    expect((await agent.call('update_task_status', { taskId, state: 'needs_input', question: 'Stripe or Adyen?' })).isError).toBe(false);

    await page.goto(`${runtime.url}/`);
    await card('needs_input', 'Pick a payment provider').getByRole('button', { name: 'Pick a payment provider' }).click();
    await page.getByLabel('Your answer').fill('Stripe, with SEPA');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await notice().filter({ hasText: 'Answer sent to the agent' }).waitFor();
    // The box is gone with the answer (the board's shared read still has the task waiting for 4 s).
    expect(await page.getByLabel('Your answer').count()).toBe(0);
    expect(await page.locator('.drawer .state-chip').textContent()).toBe('In progress');
    // The question and the answer stay, in order, under "Questions and answers".
    const thread = page.locator('.drawer ol.thread li');
    await expect.poll(() => thread.allTextContents(), LIVE).toEqual([
      expect.stringMatching(/agent claude-q asked: Stripe or Adyen\?$/),
      expect.stringMatching(/alice answered: Stripe, with SEPA$/),
    ]);
    await page.screenshot({ path: join(shots, 'drawer-answered.png') });

    // Asked again later: both questions and the answer stay; the open one is in the answer box.
    expect((await agent.call('update_task_status', { taskId, state: 'needs_input', question: 'Which currencies?' })).isError).toBe(false);
    await page.locator('.drawer .question').filter({ hasText: 'Which currencies?' }).waitFor(LIVE);
    await expect.poll(() => thread.allTextContents(), LIVE).toEqual([expect.stringContaining('Stripe or Adyen?'), expect.stringContaining('Stripe, with SEPA')]);
    await page.keyboard.press('Escape');
  });

  it('names the project on every card', async () => {
    const docs = await project('Handbook', 'handbook');
    ok(await admin.post('/api/tasks', { projectId: docs.id, title: 'Write the onboarding page' }), 201);
    await page.goto(`${runtime.url}/`);
    await expect.poll(() => card('backlog', 'Write the onboarding page').locator('.project-name').textContent(), LIVE).toBe('Handbook');
    await expect.poll(() => card('needs_input', 'Pick a payment provider').locator('.project-name').textContent(), LIVE).toBe('Web shop');
    // Every card on the board names one.
    const cards = page.locator('li.card');
    expect(await cards.count()).toBeGreaterThan(1);
    expect(await page.locator('li.card .project-name').count()).toBe(await cards.count());
  });

  it('shows a failed Gitea job on its card with Retry, which asks for the job again in the person’s name', async () => {
    // A project whose repository is not in Gitea yet: its branch job fails for good (Gitea answers 404).
    const ghost = await project('Ghost', 'ghost');
    ok(await admin.post('/api/tasks', { projectId: ghost.id, title: 'Add a health check' }), 201);
    const { taskId } = await agentClaiming('claude-r', ghost.id);
    const failing = ok(await admin.post(`/api/tasks/${taskId}/branch`), 202);
    await expect.poll(async () => ok(await admin.get(`/api/jobs/${failing.id}`)).status, JOB).toBe('failed');

    await page.goto(`${runtime.url}/`);
    const failed = card('in_progress', 'Add a health check');
    await expect.poll(() => failed.locator('.job-failed').textContent(), LIVE).toMatch(/Gitea job failed: create branch: Gitea createBranch failed with HTTP 404/);
    expect(await failed.locator('.job-failed p').getAttribute('title')).toContain(failing.id);
    await page.screenshot({ path: join(shots, 'card-failed-job.png'), clip: (await failed.boundingBox())! });

    // Someone makes the repository; Alice presses Retry on the card.
    const repository = ok(await admin.post(`/api/projects/${ghost.id}/repository`), 202);
    await expect.poll(async () => ok(await admin.get(`/api/jobs/${repository.id}`)).status, JOB).toBe('succeeded');
    await failed.getByRole('button', { name: 'Retry: create the branch' }).click();
    await notice().filter({ hasText: 'Branch requested again' }).waitFor();
    await expect.poll(() => failed.locator('.facts').textContent(), JOB).toMatch(/Branch.*task-/);
    expect(await failed.locator('.job-failed').count()).toBe(0);
    expect(gitea.state.repo('acme', 'ghost')).toBeDefined();

    // The new job was Alice's: the event it wrote names her.
    const events = ok<any[]>(await admin.get(`/api/tasks/${taskId}/events?limit=100`));
    expect(events.find((event) => event.type === 'branch_created')).toMatchObject({ actor: 'gitea:alice' });
    const jobs = ok<any[]>(await admin.get(`/api/tasks/${taskId}/jobs?limit=100`));
    expect(jobs.map((job) => [job.type, job.status]).sort()).toEqual([
      ['create_branch', 'failed'],
      ['create_branch', 'succeeded'],
    ]);
  });

  it('fits the Agents table on a phone: nothing runs off the screen', async () => {
    ok(await admin.post('/api/agents', { name: 'a-runner-with-a-rather-long-name-for-a-phone', capabilities: ['typescript', 'python', 'documentation', 'terraform'] }), 201);
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const tab = await phone.newPage();
    await tab.goto(`${runtime.url}/`);
    await tab.getByLabel('Admin token').fill(runtime.adminToken);
    await tab.getByRole('button', { name: 'Sign in with the token' }).click();
    await tab.getByRole('link', { name: 'Agents', exact: true }).click();
    const table = tab.locator('main table');
    await table.waitFor();
    const sizes = await tab.evaluate(() => {
      const wrap = document.querySelector('.table-wrap')!;
      const cells = Array.from(document.querySelectorAll('main table tbody th, main table tbody td'));
      return {
        page: document.documentElement.scrollWidth,
        wrap: wrap.clientWidth,
        table: document.querySelector('main table')!.scrollWidth,
        rightmost: Math.max(...cells.map((cell) => cell.getBoundingClientRect().right)),
      };
    });
    const widths = `widths at 390 px: ${JSON.stringify(sizes)}`;
    expect(sizes.page, widths).toBeLessThanOrEqual(390);
    expect(sizes.table, widths).toBeLessThanOrEqual(sizes.wrap);
    expect(sizes.rightmost, widths).toBeLessThanOrEqual(390);
    // Each value keeps its label.
    const row = table.locator('tbody tr', { hasText: 'claude-q' });
    expect(await row.textContent()).toContain('Pick a payment provider');
    expect(await row.locator('td[data-label="Current task"]').count()).toBe(1);
    await tab.screenshot({ path: join(shots, 'agents-phone.png'), fullPage: true });
    await phone.close();
  });
});
