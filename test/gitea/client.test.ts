import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGiteaClient, GiteaError, parseRetryAfter, type GiteaClient } from '../../packages/gitea-client/src/index.js';
import { startGiteaStandIn, type GiteaStandIn } from '@aiworker/gitea-standin';

let gitea: GiteaStandIn;
let client: GiteaClient;

beforeAll(async () => {
  gitea = await startGiteaStandIn({ orgs: ['acme'] });
  client = createGiteaClient({ baseUrl: gitea.url, token: gitea.token, timeoutMs: 2_000 });
});
afterAll(async () => {
  await gitea.close();
});
beforeEach(async () => {
  gitea.reset();
  await client.createRepository({ owner: 'aiworker', name: 'demo' });
});
afterEach(() => {
  gitea.assertNoViolations();
});

/** Runs `fn`, expecting a GiteaError, and returns it. */
async function giteaError(fn: () => Promise<unknown>): Promise<GiteaError> {
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GiteaError);
  return err as GiteaError;
}

describe('Gitea client: success paths and idempotency', () => {
  it('reads the version', async () => {
    expect(await client.getVersion()).toBe('1.22.0');
  });

  it('creates and gets repositories, for the user and for an org, idempotently', async () => {
    expect(await client.getRepository('aiworker', 'demo')).toEqual({
      fullName: 'aiworker/demo',
      defaultBranch: 'main',
      htmlUrl: `${gitea.url}/aiworker/demo`,
      cloneUrl: `${gitea.url}/aiworker/demo.git`,
    });
    const again = await client.createRepository({ owner: 'aiworker', name: 'demo', description: 'second try' });
    expect(again.fullName).toBe('aiworker/demo');
    const org = await client.createRepository({ owner: 'acme', name: 'svc', defaultBranch: 'trunk', private: true, description: 'x' });
    expect(org).toMatchObject({ fullName: 'acme/svc', defaultBranch: 'trunk' });
    expect((await client.createRepository({ owner: 'acme', name: 'svc' })).fullName).toBe('acme/svc');
    expect(await client.getBranch('acme', 'svc', 'trunk')).toMatchObject({ name: 'trunk' });
    expect(gitea.requests.filter((r) => r.operationId === 'userGetCurrent')).toHaveLength(0); // the login is looked up once per client
  });

  it('gets branches (null when missing) and creates them idempotently', async () => {
    const main = await client.getBranch('aiworker', 'demo', 'main');
    expect(main).toEqual({ name: 'main', commitSha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await client.getBranch('aiworker', 'demo', 'nope')).toBeNull();

    const first = await client.createBranch('aiworker', 'demo', { name: 'task-abc-fix-login', from: 'main' });
    expect(first).toEqual({ name: 'task-abc-fix-login', commitSha: main!.commitSha, created: true });
    gitea.state.pushCommit('aiworker', 'demo', 'task-abc-fix-login');
    const second = await client.createBranch('aiworker', 'demo', { name: 'task-abc-fix-login', from: 'main' });
    expect(second.created).toBe(false);
    expect(second.name).toBe('task-abc-fix-login');
    expect(second.commitSha).not.toBe(main!.commitSha); // the existing branch, not a new one
  });

  it('creates pull requests idempotently and finds open ones', async () => {
    await client.createBranch('aiworker', 'demo', { name: 'f1', from: 'main' });
    expect(await client.findOpenPullRequest('aiworker', 'demo', { head: 'f1', base: 'main' })).toBeNull();
    const pr = await client.createPullRequest('aiworker', 'demo', { head: 'f1', base: 'main', title: 'Fix', body: 'Body' });
    expect(pr).toEqual({
      number: 1,
      htmlUrl: `${gitea.url}/aiworker/demo/pulls/1`,
      state: 'open',
      merged: false,
      mergeable: true,
      head: 'f1',
      headSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      base: 'main',
      created: true,
    });
    const again = await client.createPullRequest('aiworker', 'demo', { head: 'f1', base: 'main', title: 'Fix' });
    expect(again).toMatchObject({ number: 1, created: false });
    expect(await client.findOpenPullRequest('aiworker', 'demo', { head: 'f1', base: 'main' })).toMatchObject({ number: 1 });
    expect(await client.findOpenPullRequest('aiworker', 'demo', { head: 'aiworker:f1', base: 'main' })).toMatchObject({ number: 1 });
    expect(await client.findOpenPullRequest('aiworker', 'demo', { head: 'f1', base: 'dev' })).toBeNull();
    expect(await client.getPullRequest('aiworker', 'demo', 1)).toMatchObject({ number: 1, state: 'open', merged: false, mergeable: true });
  });

  it('reads the combined status of a commit: none yet, then the newest status of each context (docs/ci.md)', async () => {
    const sha = gitea.state.pushCommit('aiworker', 'demo', 'f2');
    expect(await client.getCombinedStatus('aiworker', 'demo', sha)).toEqual({ sha: '', state: undefined, statuses: [] });
    for (const [state, context, description] of [['pending', 'ci/test', 'running'], ['failure', 'ci/test', '2 failed'], ['success', 'lint', 'clean']]) {
      const response = await fetch(`${gitea.baseUrl}/repos/aiworker/demo/statuses/${sha}`, {
        method: 'POST',
        headers: { authorization: `token ${gitea.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state, context, description, target_url: `https://ci.example.com/${context}` }),
      });
      expect(response.status).toBe(201);
    }
    const combined = await client.getCombinedStatus('aiworker', 'demo', sha);
    expect(combined).toMatchObject({ sha, state: 'failure' });
    expect(combined.statuses.map(({ context, state, description, targetUrl, id }) => ({ context, state, description, targetUrl, id }))).toEqual([
      { context: 'ci/test', state: 'failure', description: '2 failed', targetUrl: 'https://ci.example.com/ci/test', id: 2 },
      { context: 'lint', state: 'success', description: 'clean', targetUrl: 'https://ci.example.com/lint', id: 3 },
    ]);
  });

  it('returns the existing pull request when Gitea answers 409 (a concurrent attempt created it)', async () => {
    await client.createBranch('aiworker', 'demo', { name: 'f1', from: 'main' });
    await client.createPullRequest('aiworker', 'demo', { head: 'f1', base: 'main', title: 'Fix' });
    // Hide the existing PR from the client's first look, as if it were created just after that look.
    let hidden = false;
    const racing = createGiteaClient({
      baseUrl: gitea.url,
      token: gitea.token,
      fetch: async (input, init) => {
        if (!hidden && String(input).includes('/pulls?')) {
          hidden = true;
          return new Response('[]', { status: 200, headers: { 'Content-Type': 'application/json', 'X-Total-Count': '0' } });
        }
        return fetch(input, init);
      },
    });
    const pr = await racing.createPullRequest('aiworker', 'demo', { head: 'f1', base: 'main', title: 'Fix' });
    expect(pr).toMatchObject({ number: 1, created: false });
    expect(gitea.requests.some((r) => r.operationId === 'repoCreatePullRequest' && r.status === 409)).toBe(true);
  });

  it('pages through open pull requests to find a match', async () => {
    const headers = { Authorization: `token ${gitea.token}`, 'Content-Type': 'application/json' };
    for (let i = 1; i <= 55; i++) {
      await fetch(`${gitea.baseUrl}/repos/aiworker/demo/branches`, { method: 'POST', headers, body: JSON.stringify({ new_branch_name: `b${i}`, old_ref_name: 'main' }) });
      await fetch(`${gitea.baseUrl}/repos/aiworker/demo/pulls`, { method: 'POST', headers, body: JSON.stringify({ head: `b${i}`, base: 'main', title: `PR ${i}` }) });
    }
    gitea.requests.length = 0;
    // Listed newest first: PR 1 is on the second page of 50.
    expect(await client.findOpenPullRequest('aiworker', 'demo', { head: 'b1', base: 'main' })).toMatchObject({ number: 1 });
    expect(gitea.requests.map((r) => r.query)).toEqual(['?state=open&page=1&limit=50', '?state=open&page=2&limit=50']);
    expect(await client.findOpenPullRequest('aiworker', 'demo', { head: 'zzz', base: 'main' })).toBeNull();
  });

  it('merges pull requests idempotently', async () => {
    await client.createBranch('aiworker', 'demo', { name: 'f1', from: 'main' });
    gitea.state.pushCommit('aiworker', 'demo', 'f1');
    const before = await client.getBranch('aiworker', 'demo', 'main');
    const { number } = await client.createPullRequest('aiworker', 'demo', { head: 'f1', base: 'main', title: 'Fix' });
    expect(await client.mergePullRequest('aiworker', 'demo', number)).toEqual({ merged: true, alreadyMerged: false });
    expect(await client.mergePullRequest('aiworker', 'demo', number)).toEqual({ merged: true, alreadyMerged: true });
    expect(await client.getPullRequest('aiworker', 'demo', number)).toMatchObject({ state: 'closed', merged: true });
    expect((await client.getBranch('aiworker', 'demo', 'main'))!.commitSha).not.toBe(before!.commitSha);

    await client.createBranch('aiworker', 'demo', { name: 'f2', from: 'main' });
    const pr2 = await client.createPullRequest('aiworker', 'demo', { head: 'f2', base: 'main', title: 'Squash' });
    expect(await client.mergePullRequest('aiworker', 'demo', pr2.number, { style: 'squash' })).toEqual({ merged: true, alreadyMerged: false });
  });
});

describe('Gitea client: error classification', () => {
  it('404 and 422 are permanent and carry Gitea’s message', async () => {
    const missing = await giteaError(() => client.getRepository('aiworker', 'nope'));
    expect(missing).toMatchObject({ status: 404, retryable: false, operation: 'getRepository' });
    expect(missing.message).toContain("The target couldn't be found.");

    const noSource = await giteaError(() => client.createBranch('aiworker', 'demo', { name: 'x', from: 'nope' }));
    expect(noSource).toMatchObject({ status: 404, retryable: false });
    expect(noSource.message).toContain('The old branch does not exist');

    const same = await giteaError(() => client.createPullRequest('aiworker', 'demo', { head: 'main', base: 'main', title: 'x' }));
    expect(same).toMatchObject({ status: 422, retryable: false });
    expect(same.message).toContain('There are no changes between the head and the base');

    expect(await giteaError(() => client.getPullRequest('aiworker', 'demo', 42))).toMatchObject({ status: 404, retryable: false });
  });

  it('a merge Gitea refuses (405, not mergeable) is permanent and not reported as merged', async () => {
    await client.createBranch('aiworker', 'demo', { name: 'f1', from: 'main' });
    const { number } = await client.createPullRequest('aiworker', 'demo', { head: 'f1', base: 'main', title: 'Fix' });
    gitea.state.pull('aiworker', 'demo', number)!.mergeable = false;
    const err = await giteaError(() => client.mergePullRequest('aiworker', 'demo', number));
    expect(err).toMatchObject({ status: 405, retryable: false });
    expect(err.message).toContain('Please try again later');
  });

  it('401 for a wrong token is permanent', async () => {
    const bad = createGiteaClient({ baseUrl: gitea.url, token: 'wrong' });
    expect(await giteaError(() => bad.getRepository('aiworker', 'demo'))).toMatchObject({ status: 401, retryable: false });
  });

  it('500 is retryable', async () => {
    gitea.failNext(1, 500);
    const err = await giteaError(() => client.createBranch('aiworker', 'demo', { name: 'f1', from: 'main' }));
    expect(err).toMatchObject({ status: 500, retryable: true, retryAfterSeconds: undefined });
    expect((await client.createBranch('aiworker', 'demo', { name: 'f1', from: 'main' })).created).toBe(true);
  });

  it('429 is retryable with Retry-After in seconds or as an HTTP-date', async () => {
    gitea.failNext(1, 429, { retryAfter: 7 });
    expect(await giteaError(() => client.getVersion())).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 7 });
    const header = new Date(Date.now() + 30_000).toUTCString();
    const target = Date.parse(header);
    gitea.failNext(1, 429, { retryAfter: header });
    // The seconds left until that date, as seen at some moment during the call (however slow the call is).
    const before = Date.now();
    const dated = await giteaError(() => client.getVersion());
    const after = Date.now();
    expect(dated.retryAfterSeconds).toBeGreaterThanOrEqual(Math.max(0, Math.ceil((target - after) / 1000)));
    expect(dated.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil((target - before) / 1000));
    expect(dated.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('a hanging Gitea times out, retryable, within timeoutMs', async () => {
    const quick = createGiteaClient({ baseUrl: gitea.url, token: gitea.token, timeoutMs: 150 });
    gitea.failNext(1, 'hang');
    // The client gives up on its own 150 ms timer, before a 5 s timer started at the same moment (timers fire
    // in order of due time however busy the machine is, so this holds without any wall-clock bound).
    let marker: NodeJS.Timeout | undefined;
    const later = new Promise<'5 s timer first'>((resolve) => (marker = setTimeout(() => resolve('5 s timer first'), 5_000)));
    const first = await Promise.race([giteaError(() => quick.getPullRequest('aiworker', 'demo', 1)), later]);
    clearTimeout(marker);
    expect(first).toBeInstanceOf(GiteaError);
    const err = first as GiteaError;
    expect(err).toMatchObject({ status: undefined, retryable: true });
    expect(err.message).toMatch(/timed out after 150 ms/);
    // A slow (not hanging) Gitea also hits the deadline.
    gitea.latencyMs = 400;
    expect(await giteaError(() => quick.getVersion())).toMatchObject({ status: undefined, retryable: true });
    gitea.latencyMs = 0;
  });

  it('a network error is retryable', async () => {
    const closed = await startGiteaStandIn();
    const url = closed.url;
    await closed.close();
    const err = await giteaError(() => createGiteaClient({ baseUrl: url, token: 't', timeoutMs: 1_000 }).getVersion());
    expect(err).toMatchObject({ status: undefined, retryable: true });
    expect(err.message).toMatch(/network error/);
  });

  it('parses Retry-After', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 08:00:00 GMT'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
