/**
 * The board with 1,000 tasks, in Debian's Chromium (playwright-core), against floors measured in the same
 * browser in the same run:
 * - first meaningful paint: navigation → the columns painted with data (the board's own performance mark),
 *   cold (a fresh browser context each time: JS fetched and parsed, session cookie set); floor: the first
 *   contentful paint of a static HTML page listing the same 1,000 titles. Target: under 1,000 ms.
 * - interactions: a click or key → the next frame with the result in the DOM (open a task, close it, filter
 *   by project, switch to Agents and back); floor: a click that only toggles a class, measured the same
 *   way. Target: under 100 ms.
 * - JavaScript shipped, gzipped (packages/board/dist/assets/*.js); floor: Preact alone. Target: ≤ 200 KB.
 * The board gets its own runtime and table (tasks of other sections would be on it otherwise).
 * BENCH_BOARD_TASKS (1000), BENCH_BOARD_LOADS (7), BENCH_BOARD_CLICKS (20).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { createProject, createTask, updateTask } from '../packages/core/src/index.js';
import { boardDist, ensureBoardBuilt } from '../packages/local/src/board-build.js';
import { projectRoot } from '../packages/local/src/handler-loader.js';
import { startRuntime } from '../packages/local/src/runtime.js';
import { launchBrowser } from '../test/board/browser.js';
import type { BenchContext } from './context.js';
import { inParallel } from './pool.js';
import { figure, percentile, round, type Figure } from './stats.js';

const TASKS = Number(process.env.BENCH_BOARD_TASKS ?? 1000);
const LOADS = Number(process.env.BENCH_BOARD_LOADS ?? 7);
const CLICKS = Number(process.env.BENCH_BOARD_CLICKS ?? 20);
const median = (samples: number[]) => percentile(samples, 50);

/** An absolute target (ms or KB) beside the floor ratio. */
const absolute = (f: Figure, limit: number, text: string): Figure => ({ ...f, target: text, met: f.value <= limit });

async function seed(count: number): Promise<string[]> {
  const projects = await Promise.all(['Shop', 'Billing', 'Docs'].map((name, i) => createProject({ name, giteaOwner: 'bench', giteaRepo: `board-${i}`, defaultBranch: 'main' })));
  const ids: string[] = [];
  await inParallel(count, 16, async (i) => {
    const task = await createTask({ projectId: projects[i % 3].id, title: `Task ${i}: ${['fix', 'add', 'document', 'speed up'][i % 4]} the ${['cart', 'login', 'invoice', 'search', 'export'][i % 5]}`, priority: (i * 37) % 101, description: 'Seeded by npm run bench' });
    ids[i] = task.id;
    const lane = i % 10;
    if (lane >= 6) await updateTask(task.id, { state: 'in_progress' });
    if (lane === 7) await updateTask(task.id, { state: 'needs_input', question: `Which way for task ${i}?` });
    if (lane >= 8) await updateTask(task.id, { state: 'ready_to_test' });
    if (lane === 9) {
      await updateTask(task.id, { state: 'approved' });
      await updateTask(task.id, { state: 'staging' });
      await updateTask(task.id, { state: 'production' });
    }
  });
  return projects.map((project) => project.id);
}

/** Time from a click (or key) in the page to the next frame in which `done()` holds. */
async function interaction(page: Page, act: string, done: string): Promise<number> {
  return page.evaluate(
    async ([actSource, doneSource]) => {
      const run = new Function(actSource) as () => void;
      const check = new Function(`return (${doneSource})`) as () => boolean;
      const start = performance.now();
      run();
      for (;;) {
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        if (check()) return performance.now() - start;
        if (performance.now() - start > 10_000) throw new Error(`never: ${doneSource}`);
      }
    },
    [act, done] as const,
  );
}

export async function benchBoard(ctx: BenchContext): Promise<Figure[]> {
  ensureBoardBuilt();
  const saved = { ...process.env };
  const runtime = await startRuntime({ port: 0, dynamoEndpoint: ctx.dynamoEndpoint, sqsEndpoint: ctx.sqsEndpoint, tableName: 'bench-board', queuePrefix: 'bench-board-', adminToken: ctx.adminToken, worker: false, sweeper: false });
  let browser: Browser | undefined;
  const staticPage = createServer();
  try {
    const projectIds = await seed(TASKS);
    browser = await launchBrowser();

    // The floor page: the same titles as plain HTML, no script.
    const titles = Array.from({ length: TASKS }, (_, i) => `<li>Task ${i}</li>`).join('');
    staticPage.on('request', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><ul>${titles}</ul>`));
    await new Promise<void>((resolve) => staticPage.listen(0, '127.0.0.1', resolve));
    const staticUrl = `http://127.0.0.1:${(staticPage.address() as AddressInfo).port}/`;

    const paints: number[] = [];
    const floorPaints: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.request.post(`${runtime.url}/api/auth/token`, { data: { token: runtime.adminToken } });
      const page = await context.newPage();
      await page.goto(`${runtime.url}/`);
      await page.waitForFunction(() => performance.getEntriesByName('aiworker:board-painted').length > 0, undefined, { timeout: 30_000 });
      paints.push(await page.evaluate(() => performance.getEntriesByName('aiworker:board-painted')[0].startTime));
      const floorPage = await context.newPage();
      await floorPage.goto(staticUrl);
      await floorPage.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
      floorPaints.push(await floorPage.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0].startTime));
      await context.close();
    }

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.request.post(`${runtime.url}/api/auth/token`, { data: { token: runtime.adminToken } });
    const page = await context.newPage();
    await page.goto(`${runtime.url}/`);
    await page.locator('section.column[data-state="backlog"] li.card').first().waitFor();
    await page.evaluate(() => {
      const probe = document.createElement('button');
      probe.id = 'bench-probe';
      probe.onclick = () => document.body.classList.toggle('bench-toggled');
      document.body.append(probe);
    });
    const board = (await (await context.request.get(`${runtime.url}/api/board`)).json()).data as { tasks: Array<{ projectId: string; state: string }> };
    const backlogOf = (projectId: string) => board.tasks.filter((task) => task.state === 'backlog' && (!projectId || task.projectId === projectId)).length;
    const samples: Record<string, number[]> = { open: [], close: [], filter: [], tabs: [], floor: [] };
    for (let i = 0; i < CLICKS; i++) {
      samples.floor.push(await interaction(page, "document.getElementById('bench-probe').click()", "document.body.classList.contains('bench-toggled') === " + (i % 2 === 0)));
      samples.open.push(
        await interaction(page, `document.querySelectorAll('section.column[data-state="backlog"] .card-title')[${i}].click()`, "!!document.querySelector('aside.drawer h2')"),
      );
      samples.close.push(await interaction(page, "document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))", "!document.querySelector('aside.drawer')"));
      const projectId = i % 2 === 0 ? projectIds[i % 3] : '';
      samples.filter.push(
        await interaction(
          page,
          `const s = document.getElementById('project-filter'); s.value = '${projectId}'; s.dispatchEvent(new Event('change', { bubbles: true }))`,
          `document.querySelector('section.column[data-state="backlog"] .count').textContent === '${backlogOf(projectId)}'`,
        ),
      );
      samples.tabs.push(await interaction(page, "location.hash = '#/agents'", "!!document.getElementById('agents-title')"));
      samples.tabs.push(await interaction(page, "location.hash = '#/'", "!!document.querySelector('section.column')"));
    }
    const boardJson = await context.request.get(`${runtime.url}/api/board`);
    const boardJsonBytes = (await boardJson.body()).length;
    const etag = boardJson.headers().etag;
    const notModified = await context.request.get(`${runtime.url}/api/board`, { headers: { 'if-none-match': etag } });
    await context.close();

    const assets = join(boardDist, 'assets');
    const js = readdirSync(assets).filter((file) => file.endsWith('.js'));
    const gzipped = js.reduce((sum, file) => sum + gzipSync(readFileSync(join(assets, file)), { level: 9 }).length, 0) / 1024;
    const preact = gzipSync(readFileSync(join(projectRoot, 'node_modules/preact/dist/preact.module.js')), { level: 9 }).length / 1024;

    const floorClick = median(samples.floor);
    const interactionFigure = (name: string, key: string) =>
      absolute(figure(`board ${name} p50`, median(samples[key]), floorClick, 'ms', undefined, { p95: round(percentile(samples[key], 95)), samples: samples[key].length, floorP95: round(percentile(samples.floor, 95)) }), 100, '< 100 ms');
    return [
      absolute(
        figure(`board first meaningful paint, ${TASKS} tasks`, median(paints), median(floorPaints), 'ms', undefined, { loads: paints.map((v) => round(v)), floorLoads: floorPaints.map((v) => round(v)), boardJsonBytes, notModifiedStatus: notModified.status() }),
        1000,
        '< 1000 ms',
      ),
      interactionFigure('open a task', 'open'),
      interactionFigure('close a task', 'close'),
      interactionFigure('filter by project', 'filter'),
      interactionFigure('switch tabs', 'tabs'),
      absolute(figure('board JavaScript, gzipped', gzipped, preact, 'KB', undefined, { files: js }), 200, '≤ 200 KB'),
    ];
  } finally {
    await browser?.close();
    staticPage.close();
    await runtime.stop();
    // The board's runtime pointed the process at its own table; the other sections use the bench's.
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
