import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GiteaStandIn } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startSignInRuntime } from '../helpers/signin.js';
import { useFastRetries } from '../jobs/helpers.js';
import { connectAgent, type AgentClient } from '../mcp/mcp-client.js';
import { launchBrowser } from './browser.js';

/**
 * The whole loop in a real browser (Debian's Chromium through playwright-core): a person signs in with
 * Gitea (the stand-in's OAuth2), creates a project and a task, registers an agent; the agent (the MCP
 * SDK's client) claims the task and the card moves without a reload; it asks, the person answers on the
 * board, the agent reads the answer; review, approve, merge, production.
 */
let runtime: Runtime;
let gitea: GiteaStandIn;
let browser: Browser;
let admin: ApiClient;
let context: BrowserContext;
let page: Page;
let agent: AgentClient | undefined;
const LIVE = { timeout: 15_000 };

beforeAll(async () => {
  useFastRetries();
  ({ runtime, gitea } = await startSignInRuntime([{ login: 'alice', password: 'alice-pw', orgs: ['acme'] }], { orgs: ['acme'], admins: ['alice'] }));
  admin = apiClient(runtime.url, runtime.adminToken);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await agent?.close();
  await browser?.close();
  await runtime?.stop();
});

const column = (state: string) => page.locator(`section.column[data-state="${state}"]`);
const card = (state: string, title: string) => column(state).locator('li.card', { hasText: title });
const notice = () => page.locator('.notice');

describe('the board in a browser', () => {
  it('runs the whole loop: sign in with Gitea, project, task, agent over MCP, question and answer, review, merge, production', async () => {
    // Sign in through Gitea's OAuth2 (the stand-in's sign-in form).
    await page.goto(`${runtime.url}/`);
    await page.getByRole('link', { name: 'Sign in with Gitea' }).click();
    await page.getByLabel('Username or email address').fill('alice');
    await page.getByLabel('Password').fill('alice-pw');
    await page.getByRole('button', { name: 'Sign in and authorize' }).click();
    await expect.poll(() => page.locator('.who').textContent(), LIVE).toContain('alice');
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();

    // A project, with its repository created in Gitea by the worker.
    await page.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.getByLabel('Name').fill('Shop');
    await page.getByLabel('Gitea owner (user or organization)').fill('acme');
    await page.getByLabel('Gitea repository').fill('shop');
    await page.getByLabel('Description').fill('The web shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('row', { name: /Shop/ }).waitFor(LIVE);
    await expect.poll(() => gitea.state.repo('acme', 'shop') !== undefined, LIVE).toBe(true);

    // A task, made on the board.
    await page.getByRole('link', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Title').fill('Add a login page');
    await page.getByLabel('Description').fill('Sign in with Gitea');
    await page.getByLabel('Priority (0–100, higher is picked first)').fill('80');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: 'Add a login page', level: 2 }).waitFor();
    await page.keyboard.press('Escape');
    await card('backlog', 'Add a login page').waitFor(LIVE);

    // An agent, registered on the board: its token is shown once, with the `claude mcp add` line.
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByLabel('Name').fill('claude-1');
    await page.getByLabel('Capabilities (comma-separated)').fill('typescript');
    await page.getByRole('button', { name: 'Register' }).click();
    const command = await page.getByLabel('Command').inputValue();
    expect(command).toMatch(new RegExp(`^claude mcp add --transport http aiworker ${runtime.url}/mcp --header "Authorization: Bearer aiw_`));
    const token = /Bearer (\S+)"/.exec(command)![1];

    // The agent claims the task over MCP; the board shows it in progress without a reload.
    await page.getByRole('link', { name: 'Board', exact: true }).click();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations.push(frame.url()));
    agent = await connectAgent(runtime, token, 'claude-1');
    const claim = await agent.call('get_next_task');
    expect(claim.structured.task).toMatchObject({ title: 'Add a login page', state: 'in_progress' });
    const taskId: string = claim.structured.task.id;
    await card('in_progress', 'Add a login page').waitFor(LIVE);
    await expect.poll(() => card('in_progress', 'Add a login page').textContent(), LIVE).toMatch(/claude-1/);

    // The agent asks; the card goes to "Needs you"; the person answers in the drawer.
    const asked = await agent.call('update_task_status', { taskId, state: 'needs_input', question: 'OAuth through Gitea, or passwords?' });
    expect(asked.isError, asked.text).toBe(false);
    await card('needs_input', 'Add a login page').waitFor(LIVE);
    await card('needs_input', 'Add a login page').getByRole('button', { name: 'Add a login page' }).click();
    await page.getByText('OAuth through Gitea, or passwords?').first().waitFor();
    await page.getByLabel('Your answer').fill('OAuth through Gitea, please');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await notice().filter({ hasText: 'Answer sent to the agent' }).waitFor();
    await page.keyboard.press('Escape');
    const read = await agent.call('get_task', { taskId });
    expect(read.structured.task).toMatchObject({ state: 'in_progress', lastResponse: 'OAuth through Gitea, please' });

    // The agent opens the branch and the pull request (jobs through SQS to Gitea): review state on the card.
    expect((await agent.call('create_branch', { taskId, wait: 20 })).isError).toBe(false);
    const pr = await agent.call('create_pull_request', { taskId, title: 'Login page', body: 'OAuth through Gitea', wait: 20 });
    expect(pr.isError, pr.text).toBe(false);
    const review = card('ready_to_test', 'Add a login page');
    await review.waitFor(LIVE);
    await expect.poll(() => review.textContent(), LIVE).toMatch(/Waiting for review/);
    expect(await review.getByRole('link', { name: /PR #\d+/ }).getAttribute('href')).toBe(pr.structured.task.prUrl);

    // Sent back with feedback: the agent reads it, fixes, and hands the task in again.
    await review.getByRole('button', { name: 'Add a login page' }).click();
    await page.getByRole('button', { name: 'Send back…' }).click();
    await page.getByLabel('What should change?').fill('Show an error when Gitea is down');
    await page.getByRole('button', { name: 'Send back for rework' }).click();
    await notice().filter({ hasText: 'Sent back to the agent for rework' }).waitFor();
    await page.keyboard.press('Escape');
    const rework = (await agent.call('get_next_task')).structured.task;
    expect(rework).toMatchObject({ id: taskId, state: 'in_progress', feedback: expect.stringContaining('Show an error when Gitea is down') });
    expect((await agent.call('update_task_status', { taskId, state: 'ready_to_test' })).isError).toBe(false);
    await review.waitFor(LIVE);

    // Approve, merge (a job: Gitea merges, the task goes to staging), then production.
    await review.getByRole('button', { name: 'Add a login page' }).click();
    await page.getByRole('heading', { name: 'Review feedback' }).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await notice().filter({ hasText: 'Approved' }).waitFor();
    await page.getByRole('button', { name: 'Merge pull request' }).click({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Move to production' }).click({ timeout: 20_000 });
    await notice().filter({ hasText: 'Moved to production' }).waitFor();
    await page.keyboard.press('Escape');
    await card('production', 'Add a login page').waitFor(LIVE);
    expect(gitea.state.pull('acme', 'shop', pr.structured.task.prNumber)?.merged).toBe(true);

    // Every step the person took is in the task's events under their Gitea login; nothing reloaded the page.
    const events = ok<any[]>(await admin.get(`/api/tasks/${taskId}/events?limit=100`));
    const byAlice = events.filter((event) => event.actor === 'gitea:alice').map((event) => event.type);
    // The merge she asked for on the board is hers too, though the worker wrote it after Gitea merged.
    expect(byAlice).toEqual(['created', 'responded', 'sent_back', 'state_changed', 'pull_request_merged', 'state_changed']);
    expect(navigations).toEqual([]);
    gitea.assertNoViolations();
  });

  it('signs in with the admin token, and signs out', async () => {
    const other = await browser.newContext();
    const tab = await other.newPage();
    await tab.goto(`${runtime.url}/`);
    await tab.getByLabel('Admin token').fill('adm_wrong');
    await tab.getByRole('button', { name: 'Sign in with the token' }).click();
    await tab.getByRole('alert').filter({ hasText: 'That is not the admin token' }).waitFor();
    await tab.getByLabel('Admin token').fill(runtime.adminToken);
    await tab.getByRole('button', { name: 'Sign in with the token' }).click();
    await tab.getByRole('heading', { name: /Needs you/ }).waitFor(LIVE);
    await tab.locator('.who').filter({ hasText: 'admin' }).waitFor();
    await tab.getByRole('button', { name: 'Sign out' }).click();
    await tab.getByRole('link', { name: 'Sign in with Gitea' }).waitFor();
    await tab.reload();
    await tab.getByRole('link', { name: 'Sign in with Gitea' }).waitFor();
    await other.close();
  });

  it('refuses a write a page on another origin makes with the signed-in cookie', async () => {
    const before = ok<any[]>(await admin.get('/api/tasks?limit=100')).length;
    const projectId = ok<any[]>(await admin.get('/api/projects'))[0].id;
    // A page on another port of the same host: the same site, so SameSite=Lax still sends the cookie.
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><form method="post" action="${runtime.url}/api/tasks" enctype="text/plain">
<input type="hidden" name='{"projectId":"${projectId}","title":"forged","x":"' value='"}'></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      await page.waitForURL(`${runtime.url}/api/tasks`);
      expect(await page.locator('body').textContent()).toMatch(/Cross-site request refused/);
    } finally {
      evil.close();
    }
    expect(ok<any[]>(await admin.get('/api/tasks?limit=100')).length).toBe(before);
  });

  it('shows "Blocked by" on a task whose dependencies are not done, until they are', async () => {
    const projectId = ok<any[]>(await admin.get('/api/projects'))[0].id;
    const schema = ok(await admin.post('/api/tasks', { projectId, title: 'Design the schema', priority: 10 }), 201);
    ok(await admin.post('/api/tasks', { projectId, title: 'Migrate the data', priority: 10, dependsOn: [schema.id] }), 201);
    await page.goto(`${runtime.url}/`);
    const blocked = card('backlog', 'Migrate the data');
    await expect.poll(() => blocked.locator('.blocked').textContent(), LIVE).toMatch(/Blocked by.*Design the schema/);
    ok(await admin.patch(`/api/tasks/${schema.id}`, { state: 'cancelled' }));
    ok(await admin.delete(`/api/tasks/${schema.id}`));
    await expect.poll(() => blocked.locator('.blocked').count(), LIVE).toBe(0);
  });
});
