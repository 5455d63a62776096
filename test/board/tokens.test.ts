import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { connectAgent } from '../mcp/mcp-client.js';
import { launchBrowser } from './browser.js';

/** The board's Tokens page: a person makes a personal token for an MCP client, sees it once, revokes it. */
let runtime: Runtime;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  page.on('dialog', (dialog) => void dialog.accept());
});
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('the Tokens page', () => {
  it('makes a token shown once with the command to add it, lists it, and revokes it', async () => {
    const api = apiClient(runtime.url, runtime.adminToken);
    ok(await api.post('/api/people/tokens', { name: 'ci reader', scope: 'read' }), 201);
    await page.goto(`${runtime.url}/`);
    await page.getByLabel('Admin token').fill(runtime.adminToken);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByRole('link', { name: 'Tokens', exact: true }).click();
    await page.getByRole('heading', { name: 'Your tokens for MCP clients' }).waitFor();
    await page.getByRole('rowheader', { name: 'ci reader' }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill('laptop Claude Code');
    await page.getByLabel('Scope', { exact: true }).selectOption('write');
    await page.getByRole('button', { name: 'Make token' }).click();
    const command = await page.getByLabel('Command for your MCP client').inputValue();
    expect(command).toMatch(new RegExp(`^claude mcp add --transport http aiworker ${runtime.url}/mcp --header "Authorization: Bearer aiwp_`));
    await page.getByRole('rowheader', { name: 'laptop Claude Code' }).waitFor();
    await page.screenshot({ path: '/tmp/mcp2-tokens.png', fullPage: true });

    // The token shown is one that works: an MCP client with it gets people's tools.
    const token = /Bearer (aiwp_\S+)"/.exec(command)![1];
    const client = await connectAgent(runtime, token, 'person', 'modern');
    expect((await client.client.listTools()).tools.map((tool) => tool.name)).toContain('answer_question');
    await client.close();

    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke laptop Claude Code' }).click();
    await page.getByRole('rowheader', { name: 'laptop Claude Code' }).waitFor({ state: 'detached' });
    expect(ok(await api.get('/api/people/tokens')).map((t: { name: string }) => t.name)).toEqual(['ci reader']);
    await expect(connectAgent(runtime, token, 'person', 'modern')).rejects.toThrow();
  });
});
