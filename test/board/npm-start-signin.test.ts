/**
 * Sign in with Gitea on the board of `npm start` itself (not the tests' runtime helper, which hands the
 * OAuth2 client secret over on its own): npm start registers the board with its Gitea stand-in and must
 * hand the client secret to the handlers, or the token request goes out with an empty client_secret and
 * every sign-in ends in an error.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { bannerField, bannerOf, npmStart } from '../helpers/npm-start.js';
import { deployedUnderTest } from '../helpers/runtime.js';
import { launchBrowser } from './browser.js';

const folders: string[] = [];
const children: ChildProcess[] = [];
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
};

describe.skipIf(deployedUnderTest)("npm start's board in a browser", { timeout: 600_000 }, () => {
  it('signs a person in with Gitea through the stand-in', async () => {
    const started = npmStart({ PORT: '0', AIWORKER_DATA_DIR: tempFolder('aiworker-signin-data-'), HOME: tempFolder('aiworker-signin-home-') }, children);
    const text = await bannerOf(started);
    const board = bannerField(text, 'Board')!;
    expect(text).toContain("Sign in with any name on the stand-in's form");

    browser = await launchBrowser();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(board);
    await page.getByRole('link', { name: 'Sign in with Gitea' }).click();
    await page.getByLabel('Username or email address').fill('alice');
    await page.getByLabel('Password').fill('alice-pw');
    await page.getByRole('button', { name: 'Sign in and authorize' }).click();
    // Back on the board, signed in (not `/?signin_error=…`).
    await page.waitForURL((url) => url.pathname === '/' && !url.searchParams.has('code'), { timeout: 60_000 });
    expect(page.url()).not.toContain('signin_error');
    await expect.poll(() => page.locator('.who').textContent(), { timeout: 30_000 }).toContain('alice');
    await page.screenshot({ path: join(tmpdir(), 'aiworker-npm-start-signin.png') });

    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
  });
});
