import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertNoViolations, startGiteaStandIn, type GiteaStandIn } from '../src/index.js';

let gitea: GiteaStandIn;

beforeAll(async () => {
  gitea = await startGiteaStandIn({ orgs: ['acme'] });
});
afterAll(async () => {
  await gitea.close();
});
afterEach(() => gitea.reset());

async function api(method: string, path: string, body?: unknown, opts: { token?: string | null } = {}) {
  const token = opts.token === undefined ? gitea.token : opts.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `token ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${gitea.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function seedRepo(name = 'demo') {
  const res = await api('POST', '/user/repos', { name, auto_init: true, default_branch: 'main' });
  expect(res.status).toBe(201);
  return res.body;
}

describe('Gitea stand-in behaviour', () => {
  it('answers /version without a token, and 401 for a missing or wrong token elsewhere', async () => {
    expect((await api('GET', '/version', undefined, { token: null })).body).toEqual({ version: '1.22.0' });
    const missing = await api('GET', '/user', undefined, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body.message).toBe('token is required');
    expect((await api('GET', '/user', undefined, { token: 'nope' })).status).toBe(401);
    const bearer = await fetch(`${gitea.baseUrl}/user`, { headers: { Authorization: `Bearer ${gitea.token}` } });
    expect(bearer.status).toBe(200);
    expect(((await bearer.json()) as { login: string }).login).toBe('aiworker');
    expect(gitea.violations).toEqual([]);
  });

  it('creates auto-initialised repositories with a default branch, 409 when one exists, 404 for an unknown org', async () => {
    const repo = await seedRepo();
    expect(repo).toMatchObject({ full_name: 'aiworker/demo', default_branch: 'main', empty: false, clone_url: `${gitea.url}/aiworker/demo.git` });
    const main = await api('GET', '/repos/aiworker/demo/branches/main');
    expect(main.body.commit.id).toMatch(/^[0-9a-f]{40}$/);
    expect((await api('POST', '/user/repos', { name: 'demo' })).status).toBe(409);
    expect((await api('POST', '/orgs/acme/repos', { name: 'svc', auto_init: false })).body).toMatchObject({ full_name: 'acme/svc', empty: true });
    expect((await api('POST', '/orgs/acme/repos', { name: 'svc' })).status).toBe(409);
    expect((await api('POST', '/orgs/nobody/repos', { name: 'x' })).status).toBe(404);
    expect((await api('GET', '/repos/aiworker/missing')).status).toBe(404);
    expect(gitea.violations).toEqual([]);
  });

  it('creates branches from a ref, 409 on an existing branch, 404 for an unknown source or repository', async () => {
    await seedRepo();
    const main = (await api('GET', '/repos/aiworker/demo/branches/main')).body;
    const created = await api('POST', '/repos/aiworker/demo/branches', { new_branch_name: 'task-1', old_ref_name: 'main' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'task-1', commit: { id: main.commit.id } });
    const again = await api('POST', '/repos/aiworker/demo/branches', { new_branch_name: 'task-1', old_ref_name: 'main' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('The branch already exists.');
    expect((await api('POST', '/repos/aiworker/demo/branches', { new_branch_name: 'x', old_ref_name: 'nope' })).status).toBe(404);
    expect((await api('POST', '/repos/aiworker/other/branches', { new_branch_name: 'x' })).status).toBe(404);
    expect((await api('GET', '/repos/aiworker/demo/branches/nope')).status).toBe(404);
    const list = await api('GET', '/repos/aiworker/demo/branches?page=1&limit=10');
    expect(list.body.map((b: { name: string }) => b.name)).toEqual(['main', 'task-1']);
    expect(gitea.violations).toEqual([]);
  });

  it('numbers pull requests per repository, refuses duplicates, same head and base, and missing branches', async () => {
    await seedRepo('a');
    await seedRepo('b');
    for (const b of ['f1', 'f2']) await api('POST', '/repos/aiworker/a/branches', { new_branch_name: b, old_ref_name: 'main' });
    await api('POST', '/repos/aiworker/b/branches', { new_branch_name: 'f1', old_ref_name: 'main' });

    const pr1 = await api('POST', '/repos/aiworker/a/pulls', { head: 'f1', base: 'main', title: 'one' });
    const pr2 = await api('POST', '/repos/aiworker/a/pulls', { head: 'f2', base: 'main', title: 'two' });
    const prB = await api('POST', '/repos/aiworker/b/pulls', { head: 'f1', base: 'main', title: 'b' });
    expect([pr1.body.number, pr2.body.number, prB.body.number]).toEqual([1, 2, 1]);
    expect(pr1.body).toMatchObject({ state: 'open', merged: false, mergeable: true, head: { ref: 'f1' }, base: { ref: 'main' }, html_url: `${gitea.url}/aiworker/a/pulls/1` });

    const dup = await api('POST', '/repos/aiworker/a/pulls', { head: 'f1', base: 'main', title: 'again' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/pull request already exists/);
    expect((await api('POST', '/repos/aiworker/a/pulls', { head: 'main', base: 'main', title: 'x' })).status).toBe(422);
    expect((await api('POST', '/repos/aiworker/a/pulls', { head: 'nope', base: 'main', title: 'x' })).status).toBe(404);
    expect((await api('GET', '/repos/aiworker/a/pulls/9')).status).toBe(404);

    const open = await api('GET', '/repos/aiworker/a/pulls?state=open&page=1&limit=1');
    expect(open.body).toHaveLength(1);
    expect(open.headers.get('x-total-count')).toBe('2');
    expect(gitea.violations).toEqual([]);
  });

  it('merges only open, mergeable pull requests and moves the base branch', async () => {
    await seedRepo();
    await api('POST', '/repos/aiworker/demo/branches', { new_branch_name: 'f1', old_ref_name: 'main' });
    gitea.state.pushCommit('aiworker', 'demo', 'f1', 'work');
    const before = (await api('GET', '/repos/aiworker/demo/branches/main')).body.commit.id;
    await api('POST', '/repos/aiworker/demo/pulls', { head: 'f1', base: 'main', title: 'one' });

    gitea.state.pull('aiworker', 'demo', 1)!.mergeable = false;
    expect((await api('POST', '/repos/aiworker/demo/pulls/1/merge', { Do: 'merge' })).status).toBe(405);
    expect((await api('GET', '/repos/aiworker/demo/pulls/1')).body).toMatchObject({ state: 'open', merged: false });
    expect((await api('GET', '/repos/aiworker/demo/pulls/1/merge')).status).toBe(404);

    gitea.state.pull('aiworker', 'demo', 1)!.mergeable = true;
    expect((await api('POST', '/repos/aiworker/demo/pulls/1/merge', { Do: 'merge' })).status).toBe(200);
    const merged = (await api('GET', '/repos/aiworker/demo/pulls/1')).body;
    expect(merged).toMatchObject({ state: 'closed', merged: true });
    expect(merged.merged_at).toEqual(expect.any(String));
    expect(merged.merged_by.login).toBe('aiworker');
    const after = (await api('GET', '/repos/aiworker/demo/branches/main')).body.commit.id;
    expect(after).not.toBe(before);
    expect(merged.merge_commit_sha).toBe(after);
    expect((await api('GET', '/repos/aiworker/demo/pulls/1/merge')).status).toBe(204);
    expect((await api('POST', '/repos/aiworker/demo/pulls/1/merge', { Do: 'merge' })).status).toBe(405);
    expect((await api('POST', '/repos/aiworker/demo/pulls/7/merge', { Do: 'merge' })).status).toBe(404);
    // A merged PR no longer blocks a new one for the same branches.
    gitea.state.pushCommit('aiworker', 'demo', 'f1', 'more');
    expect((await api('POST', '/repos/aiworker/demo/pulls', { head: 'f1', base: 'main', title: 'two' })).body.number).toBe(2);
    expect(gitea.violations).toEqual([]);
  });
});

describe('Gitea stand-in contract checking', () => {
  it('records a misspelled request field and a wrong type', async () => {
    await seedRepo();
    await api('POST', '/repos/aiworker/demo/branches', { new_branch_nam: 'x', old_ref_name: 'main' });
    await api('POST', '/user/repos', { name: 'typed', auto_init: 'yes' });
    expect(gitea.violations.join('\n')).toContain('has unknown property "new_branch_nam"');
    expect(gitea.violations.join('\n')).toContain("must have required property 'new_branch_name'");
    expect(gitea.violations.join('\n')).toMatch(/POST \/api\/v1\/user\/repos \(createCurrentUserRepo\): request body: \/auto_init must be boolean/);
    // The stand-in answered 422, which repoCreateBranch does not declare: also a violation.
    expect(gitea.violations.join('\n')).toContain('response status 422 is not declared by repoCreateBranch');
    expect(() => assertNoViolations(gitea)).toThrow(/contract violation/);
  });

  it('records undeclared paths, methods and query parameters', async () => {
    await seedRepo();
    await api('GET', '/repos/aiworker/demo/pullrequests');
    await api('DELETE', '/version');
    await api('GET', '/repos/aiworker/demo/pulls?stat=open');
    await api('GET', '/repos/aiworker/demo/pulls?state=opened&page=x');
    const v = gitea.violations.join('\n');
    expect(v).toContain("GET /api/v1/repos/aiworker/demo/pullrequests: no operation in Gitea's API description matches this path");
    expect(v).toContain('DELETE /api/v1/version: Gitea\'s API declares no DELETE for this path (only GET)');
    expect(v).toContain('query parameter "stat" is not declared by repoListPullRequests');
    expect(v).toContain('query parameter "state": "opened" is not one of closed, open, all');
    expect(v).toContain('query parameter "page": "x" is not an integer');
    expect(gitea.violations).toHaveLength(5);
  });

  it('checks its own responses against the declared schemas', () => {
    const op = gitea.contract.match('GET', '/repos/a/b/pulls/1')!.operation;
    expect(op.operationId).toBe('repoGetPullRequest');
    const problems = gitea.contract.checkResponse(op, 200, JSON.stringify({ number: 'one', merged: null }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^response 200 body: \/number must be integer/);
    expect(gitea.contract.checkResponse(op, 418, '{"message":"teapot"}')[0]).toMatch(/status 418 is not declared/);
    expect(gitea.contract.match('POST', '/repos/a/b/pulls/1/merge')!.operation.operationId).toBe('repoMergePullRequest');
    expect(gitea.contract.match('GET', '/repos/a/b/pulls/main/feature')!.operation.operationId).toBe('repoGetPullRequestByBaseHead');
  });
});

describe('Gitea stand-in fault injection', () => {
  it('fails the next n requests with 500 or 429, then recovers', async () => {
    gitea.failNext(2, 500);
    expect((await api('GET', '/version')).status).toBe(500);
    expect((await api('GET', '/version')).status).toBe(500);
    expect((await api('GET', '/version')).status).toBe(200);
    gitea.failNext(1, 429, { retryAfter: 3 });
    const limited = await api('GET', '/version');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body.message).toEqual(expect.any(String));
    expect(gitea.violations).toEqual([]);
  });

  it('fails for good until recover()', async () => {
    gitea.failFor(500);
    for (let i = 0; i < 3; i++) expect((await api('GET', '/version')).status).toBe(500);
    gitea.recover();
    expect((await api('GET', '/version')).status).toBe(200);
  });

  it('hangs until the client gives up, and close() does not wait for hanging sockets', async () => {
    const other = await startGiteaStandIn();
    other.failFor('hang');
    // Only the client's own timer ends the request: the stand-in neither answers nor closes the socket.
    await expect(fetch(`${other.baseUrl}/version`, { signal: AbortSignal.timeout(150) })).rejects.toMatchObject({ name: 'TimeoutError' });
    const pending = fetch(`${other.baseUrl}/version`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(other.requests.every((r) => r.status === 0)).toBe(true);
  });

  it('delays every response by latencyMs', async () => {
    gitea.latencyMs = 120;
    const started = Date.now();
    await api('GET', '/version');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});
