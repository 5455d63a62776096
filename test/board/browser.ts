import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`), driven by playwright-core: no browser download. Headless
 * as root needs --no-sandbox; Playwright's own defaults keep --disable-background-networking and
 * --disable-component-update, so Chromium does not reach for the (closed) network.
 */
export const CHROMIUM = process.env.AIWORKER_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
}
