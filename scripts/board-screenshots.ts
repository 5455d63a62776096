/**
 * `npm run screenshots`: the board with real data, photographed in Debian's Chromium for docs/. Starts its own
 * emulators, runtime, worker and Gitea stand-in (nothing of `npm start`'s .data is touched); agents work over
 * MCP with the SDK's client, so what is shown went through the same paths a user's agents take.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ensureBoardBuilt } from '../packages/local/src/board-build.js';
import { startDynamoDbLocal } from '../packages/local/src/emulators/dynamodb.js';
import { startSqsEmulator } from '../packages/local/src/emulators/sqs.js';
import { projectRoot } from '../packages/local/src/handler-loader.js';
import { localGitea } from '../packages/local/src/local-gitea.js';
import { startRuntime } from '../packages/local/src/runtime.js';
import { launchBrowser } from '../test/board/browser.js';

const docs = join(projectRoot, 'docs');
ensureBoardBuilt();
const dataDir = mkdtempSync(join(tmpdir(), 'aiworker-shots-'));
const dynamo = await startDynamoDbLocal();
const sqs = await startSqsEmulator();
const gitea = await localGitea(dataDir, { AIWORKER_LOCAL_GITEA_ORGS: 'acme' });
const runtime = await startRuntime({ port: 0, dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, tableName: 'shots', adminToken: 'adm_screenshots', giteaUrl: gitea.url, giteaToken: gitea.token, sweeper: false });
const browser = await launchBrowser();
try {
  const headers = { authorization: `Bearer ${runtime.adminToken}`, 'content-type': 'application/json' };
  const rest = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await response.json()) as { success: boolean; data: any; error?: { message: string } };
    if (!json.success) throw new Error(`${method} ${path}: ${json.error?.message}`);
    return json.data;
  };
  const shop = await rest('POST', '/api/projects', { name: 'Shop', giteaOwner: 'acme', giteaRepo: 'shop', description: 'The web shop', createRepository: true });
  await rest('POST', '/api/projects', { name: 'Billing', giteaOwner: 'acme', giteaRepo: 'billing', description: 'Invoices and payments', createRepository: true });
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the repositories are created by the worker
  const task = (title: string, priority: number, description = '') => rest('POST', '/api/tasks', { projectId: shop.id, title, priority, description });
  const login = await task('Add a login page', 90, 'Sign in with Gitea; keep the session for a day.');
  const checkout = await task('Fix rounding in the checkout total', 85, 'Totals are off by a cent for some carts.');
  const search = await task('Search products by tag', 70);
  for (const [title, priority] of [['Cache the product list', 60], ['Dark mode', 40], ['Upgrade to Node 22', 55], ['Write the API guide', 30]] as const) await task(title, priority);
  const released = await task('Show prices with VAT', 50);

  const agent = async (name: string) => {
    const registered = await rest('POST', '/api/agents', { name, capabilities: ['typescript'] });
    const client = new Client({ name, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${runtime.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${registered.token}` } } }));
    const call = async (tool: string, args: Record<string, unknown> = {}) => (await client.callTool({ name: tool, arguments: args })).structuredContent as any;
    return { client, call };
  };
  const ada = await agent('claude-ada');
  const bo = await agent('claude-bo');
  const cy = await agent('claude-cy');
  // Ada ships the VAT task all the way; then takes the login page and asks a question.
  await rest('PATCH', `/api/tasks/${released.id}`, { priority: 99 });
  const first = (await ada.call('get_next_task')).task;
  await ada.call('create_branch', { taskId: first.id, wait: 20 });
  await ada.call('create_pull_request', { taskId: first.id, title: first.title, body: 'Prices now include VAT', wait: 20 });
  await rest('PATCH', `/api/tasks/${first.id}`, { state: 'approved' });
  await rest('POST', `/api/tasks/${first.id}/merge`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await rest('PATCH', `/api/tasks/${first.id}`, { state: 'production' });
  await rest('PATCH', `/api/tasks/${released.id}`, { priority: 50 }).catch(() => undefined);
  const second = (await ada.call('get_next_task')).task;
  await ada.call('update_task_status', { taskId: second.id, state: 'needs_input', question: 'Should sign-in also accept the admin token, or Gitea only?' });
  // Bo opens a pull request for the checkout fix; Cy is working on search.
  const third = (await bo.call('get_next_task')).task;
  await bo.call('create_branch', { taskId: third.id, wait: 20 });
  await bo.call('create_pull_request', { taskId: third.id, title: third.title, body: 'Round once, at the end', wait: 20 });
  await cy.call('get_next_task');
  await cy.call('heartbeat');
  void login;
  void checkout;
  void search;

  const context = await browser.newContext({ viewport: { width: 1440, height: 760 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${runtime.url}/`);
  await page.screenshot({ path: join(docs, 'board-signin.png') });
  await page.getByLabel('Admin token').fill(runtime.adminToken);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.locator('section.column[data-state="needs_input"] li.card').waitFor();
  await page.screenshot({ path: join(docs, 'board.png') });
  await page.locator('section.column[data-state="needs_input"] .card-title').first().click();
  await page.getByText('Should sign-in also accept').first().waitFor();
  await page.getByLabel('Your answer').fill('Gitea only; the admin token is for bootstrap.');
  await page.locator('.timeline li').first().waitFor();
  await page.screenshot({ path: join(docs, 'board-task.png') });
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: 'Agents', exact: true }).click();
  await page.getByLabel('Name').fill('claude-dee');
  await page.getByLabel('Capabilities (comma-separated)').fill('typescript, docs');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByLabel('Command').waitFor();
  // The picture in docs/ must not carry a token (even one of this throwaway run): masked before the shot.
  await page.getByRole('button', { name: /Dismiss message/ }).click();
  await page.locator('.notice').waitFor({ state: 'detached' });
  await page.evaluate(() => {
    const command = document.getElementById('mcp-command') as HTMLTextAreaElement;
    command.value = command.value.replace(/aiw_[^"]+/, 'aiw_…(shown once)');
  });
  await page.screenshot({ path: join(docs, 'board-agents.png') });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await phone.request.post(`${runtime.url}/api/auth/token`, { data: { token: runtime.adminToken } });
  const small = await phone.newPage();
  await small.goto(`${runtime.url}/`);
  await small.locator('section.column[data-state="needs_input"] li.card').waitFor();
  await small.screenshot({ path: join(docs, 'board-phone.png') });
  await ada.client.close();
  await bo.client.close();
  await cy.client.close();
  console.log(`screenshots written to ${docs}`);
} finally {
  await browser.close();
  await runtime.stop();
  await gitea.stop();
  await sqs.stop();
  await dynamo.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
