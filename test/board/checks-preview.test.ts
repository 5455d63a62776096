import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { GiteaStandIn } from '@aiworker/gitea-standin';
import { scheduleCheckSyncs } from '../../packages/core/src/services/ci-sync.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startSignInRuntime } from '../helpers/signin.js';
import { eventually, useFastRetries } from '../jobs/helpers.js';
import { connectAgent, type AgentClient } from '../mcp/mcp-client.js';
import { launchBrowser } from './browser.js';

/**
 * CI and the preview on the board, in Debian's Chromium (docs/ci.md, docs/previews.md): the card of a task
 * in review shows its CI state with the failing check's link and a "Preview" link to the project's preview
 * context's target_url; the drawer lists every check. Screenshots go to AIWORKER_SCREENSHOTS.
 */
let runtime: Runtime;
let gitea: GiteaStandIn;
let browser: Browser;
let admin: ApiClient;
let page: Page;
let agent: AgentClient | undefined;
const LIVE = { timeout: 20_000 };
const shots = process.env.AIWORKER_SCREENSHOTS ?? join(tmpdir(), 'aiworker-board-shots');

beforeAll(async () => {
  useFastRetries();
  // A sync per project every second (default every minute), so the tests need not wait.
  process.env.AIWORKER_CHECK_SYNC_SECONDS = '1';
  mkdirSync(shots, { recursive: true });
  ({ runtime, gitea } = await startSignInRuntime([{ login: 'alice', password: 'alice-pw', orgs: ['acme'] }], { orgs: ['acme'], admins: ['alice'] }));
  admin = apiClient(runtime.url, runtime.adminToken);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(`${runtime.url}/`);
  await page.getByRole('link', { name: 'Sign in with Gitea' }).click();
  await page.getByLabel('Username or email address').fill('alice');
  await page.getByLabel('Password').fill('alice-pw');
  await page.getByRole('button', { name: 'Sign in and authorize' }).click();
  await page.locator('.who', { hasText: 'alice' }).waitFor(LIVE);
});
afterAll(async () => {
  await agent?.close();
  await browser?.close();
  await runtime?.stop();
});

const job = async (call: Promise<{ isError: boolean; text: string; structured: any }>) => {
  const result = await call;
  expect(result.isError, result.text).toBe(false);
  expect(result.structured.job.status, result.text).toBe('succeeded');
  return result.structured.job;
};

describe('CI and the preview on the board', { timeout: 180_000 }, () => {
  it('the card shows CI with the failing check and a Preview link; the drawer lists the checks', async () => {
    const project = ok(await admin.post('/api/projects', { name: 'Docs site', giteaOwner: 'acme', giteaRepo: 'docs-site', createRepository: true }), 201);
    await eventually('the repository', async () => ok(await admin.get(`/api/jobs/${project.repositoryJobId}`)).status === 'succeeded');
    ok(await admin.patch(`/api/projects/${project.id}`, { previewContext: 'preview' }));
    ok(await admin.post('/api/tasks', { projectId: project.id, title: 'Add a search box' }), 201);
    const registered = ok(await admin.post('/api/agents', { name: 'claude-ci', capabilities: ['typescript'] }), 201);
    agent = await connectAgent(runtime, registered.token, 'claude-ci');
    const taskId = (await agent.call('get_next_task', { projectId: project.id })).structured.task.id as string;
    const branch = await job(agent.call('create_branch', { taskId, wait: 25 }));
    gitea.state.pushCommit('acme', 'docs-site', branch.result.branch, 'search box');
    const pull = await job(agent.call('create_pull_request', { taskId, wait: 25 }));

    // The CI of the repository posts its statuses on the pull request's head.
    const head = gitea.state.repo('acme', 'docs-site')!.branches.get(branch.result.branch)!.commit.sha;
    const post = async (status: Record<string, string>) => {
      const response = await fetch(`${gitea.baseUrl}/repos/acme/docs-site/statuses/${head}`, {
        method: 'POST',
        headers: { authorization: `token ${gitea.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(status),
      });
      expect(response.status).toBe(201);
    };
    await post({ state: 'success', context: 'preview', description: `deployed pr-${pull.result.number}`, target_url: `https://pr-${pull.result.number}.docs.example.com/` });
    await post({ state: 'warning', context: 'lint', description: '3 warnings', target_url: 'https://ci.example.com/runs/5' });
    // No webhook on this runtime: the sync job reads them (the sweeper asks for it; here the test does).
    await eventually('the checks on the task', async () => {
      await scheduleCheckSyncs();
      const task = ok(await admin.get(`/api/tasks/${taskId}`));
      return task.preview?.state === 'success' && task.checks?.contexts.length === 2;
    });

    await page.goto(`${runtime.url}/`);
    const card = page.locator('section.column[data-state="ready_to_test"] li.card', { hasText: 'Add a search box' });
    const preview = card.getByRole('link', { name: 'Preview' });
    await preview.waitFor(LIVE);
    expect(await preview.getAttribute('href')).toBe(`https://pr-${pull.result.number}.docs.example.com/`);
    expect(await card.locator('.ci dd').textContent()).toContain('warning');
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'card-preview.png'), clip: (await card.boundingBox())! });

    await card.getByRole('button', { name: 'Add a search box' }).click();
    const checks = page.locator('.drawer section', { has: page.locator('#checks-title') });
    await checks.waitFor(LIVE);
    expect(await checks.getByRole('link', { name: 'Preview' }).getAttribute('href')).toBe(`https://pr-${pull.result.number}.docs.example.com/`);
    expect(await checks.locator('ul.checks li').allTextContents()).toEqual([expect.stringContaining('preview: success'), expect.stringContaining('lint: warning — 3 warnings')]);
    await page.screenshot({ path: join(shots, 'drawer-checks.png') });
  });
});
