import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGiteaStandIn, type GiteaStandIn } from '../src/index.js';

// Real git against the stand-in: clones and pushes over smart HTTP (git http-backend), and the API's
// branches, pull requests and merges are the bare repositories' own refs and commits.
const run = promisify(execFile);
let gitea: GiteaStandIn;
const folders: string[] = [];

beforeAll(async () => {
  gitea = await startGiteaStandIn({ orgs: ['acme'] });
});
afterEach(() => gitea.assertNoViolations());
afterAll(async () => {
  await gitea.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiworker-git-test-'));
  folders.push(dir);
  return dir;
}

/** git as a user runs it (no global config), with the token sent as HTTP basic auth when `auth`. */
async function git(cwd: string, args: string[], opts: { auth?: boolean | string } = {}) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' };
  if (opts.auth) {
    const secret = typeof opts.auth === 'string' ? opts.auth : gitea.token;
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`aiworker:${secret}`).toString('base64')}` });
  }
  return (await run('git', args, { cwd, env, encoding: 'utf8' })).stdout.trim();
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${gitea.baseUrl}${path}`, {
    method,
    headers: { Authorization: `token ${gitea.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function cloneOf(repo: string, auth = true): Promise<string> {
  const dir = workdir();
  await git(dir, ['clone', '--quiet', `${gitea.url}/aiworker/${repo}.git`, 'w'], { auth });
  return join(dir, 'w');
}

async function commitFile(dir: string, file: string, content: string, message: string) {
  writeFileSync(join(dir, file), content);
  await git(dir, ['add', file]);
  await git(dir, ['commit', '--quiet', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

describe('the Gitea stand-in serves real git', () => {
  it('a created repository has an initial commit with a README on its default branch, cloned over HTTP', async () => {
    const created = await api('POST', '/user/repos', { name: 'readme', auto_init: true, default_branch: 'trunk', description: 'Demo' });
    expect(created.status).toBe(201);
    const clone = await cloneOf('readme', false);
    expect(await git(clone, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('trunk');
    expect(await git(clone, ['log', '--format=%s'])).toBe('Initial commit');
    expect(await git(clone, ['show', 'HEAD:README.md'])).toBe('# readme\n\nDemo');
    const branch = await api('GET', '/repos/aiworker/readme/branches/trunk');
    expect(branch.body.commit.id).toBe(await git(clone, ['rev-parse', 'HEAD']));

    // Without auto_init the repository is empty, and says so.
    expect((await api('POST', '/orgs/acme/repos', { name: 'bare' })).body).toMatchObject({ empty: true });
  });

  it('pushes need the token; a pushed branch is what the API reports', async () => {
    await api('POST', '/user/repos', { name: 'push', auto_init: true });
    const clone = await cloneOf('push');
    await git(clone, ['checkout', '--quiet', '-b', 'feature-login']);
    const sha = await commitFile(clone, 'login.txt', 'login page\n', 'Add login');

    await expect(git(clone, ['push', '--quiet', 'origin', 'feature-login'])).rejects.toThrow(/could not read Username|401|Authentication/i);
    await expect(git(clone, ['push', '--quiet', 'origin', 'feature-login'], { auth: 'wrong-token' })).rejects.toThrow(/Authentication failed|could not read Username/i);
    expect((await api('GET', '/repos/aiworker/push/branches/feature-login')).status).toBe(404);

    await git(clone, ['push', '--quiet', 'origin', 'feature-login'], { auth: true });
    const branch = await api('GET', '/repos/aiworker/push/branches/feature-login');
    expect(branch.status).toBe(200);
    expect(branch.body.commit).toMatchObject({ id: sha, message: 'Add login\n' });
    expect((await api('GET', '/repos/aiworker/push/branches')).body.map((b: { name: string }) => b.name)).toEqual(['feature-login', 'main']);
  });

  it('a branch created over the API is a real ref; a pull request reports real commits; a merge is a real merge commit', async () => {
    await api('POST', '/user/repos', { name: 'merge', auto_init: true });
    const base = (await api('GET', '/repos/aiworker/merge/branches/main')).body.commit.id;
    expect((await api('POST', '/repos/aiworker/merge/branches', { new_branch_name: 'task-1', old_ref_name: 'main' })).status).toBe(201);
    expect((await api('POST', '/repos/aiworker/merge/branches', { new_branch_name: 'bad..name', old_ref_name: 'main' })).status).toBe(422);
    gitea.violations.length = 0; // 422 from Gitea's binding is not declared by the operation

    const clone = await cloneOf('merge');
    expect(await git(clone, ['ls-remote', '--heads', 'origin', 'task-1'])).toBe(`${base}\trefs/heads/task-1`);
    await git(clone, ['checkout', '--quiet', 'task-1']);
    const head = await commitFile(clone, 'feature.txt', 'done\n', 'Do the task');
    await git(clone, ['push', '--quiet', 'origin', 'task-1'], { auth: true });

    const pr = await api('POST', '/repos/aiworker/merge/pulls', { head: 'task-1', base: 'main', title: 'Task one' });
    expect(pr.body).toMatchObject({ head: { ref: 'task-1', sha: head }, base: { ref: 'main', sha: base }, merge_base: base, mergeable: true });
    expect((await api('POST', '/repos/aiworker/merge/pulls/1/merge', { Do: 'merge' })).status).toBe(200);
    const merged = (await api('GET', '/repos/aiworker/merge/pulls/1')).body;

    await git(clone, ['fetch', '--quiet', 'origin']);
    expect(await git(clone, ['rev-parse', 'origin/main'])).toBe(merged.merge_commit_sha);
    expect(await git(clone, ['log', '-1', '--format=%P', 'origin/main'])).toBe(`${base} ${head}`);
    expect(await git(clone, ['show', 'origin/main:feature.txt'])).toBe('done');
  });

  it('a conflicting pull request is not mergeable and is not merged', async () => {
    await api('POST', '/user/repos', { name: 'conflict', auto_init: true });
    const clone = await cloneOf('conflict');
    await git(clone, ['checkout', '--quiet', '-b', 'ours']);
    await commitFile(clone, 'README.md', 'ours\n', 'Ours');
    await git(clone, ['push', '--quiet', 'origin', 'ours'], { auth: true });
    await git(clone, ['checkout', '--quiet', 'main']);
    const main = await commitFile(clone, 'README.md', 'theirs\n', 'Theirs');
    await git(clone, ['push', '--quiet', 'origin', 'main'], { auth: true });

    const pr = await api('POST', '/repos/aiworker/conflict/pulls', { head: 'ours', base: 'main', title: 'Conflicting' });
    expect(pr.body.mergeable).toBe(false);
    expect((await api('POST', '/repos/aiworker/conflict/pulls/1/merge', { Do: 'merge' })).status).toBe(405);
    expect((await api('GET', '/repos/aiworker/conflict/branches/main')).body.commit.id).toBe(main);
  });

  it('squash, rebase and fast-forward-only merges move the base the way git does', async () => {
    await api('POST', '/user/repos', { name: 'styles', auto_init: true });
    const clone = await cloneOf('styles');
    for (const name of ['sq', 'rb']) {
      await git(clone, ['checkout', '--quiet', '-b', name, 'origin/main']);
      await commitFile(clone, `${name}-1.txt`, '1\n', `${name} one`);
      await commitFile(clone, `${name}-2.txt`, '2\n', `${name} two`);
      await git(clone, ['push', '--quiet', 'origin', name], { auth: true });
    }
    await api('POST', '/repos/aiworker/styles/pulls', { head: 'sq', base: 'main', title: 'Squash' });
    await api('POST', '/repos/aiworker/styles/pulls', { head: 'rb', base: 'main', title: 'Rebase' });
    expect((await api('POST', '/repos/aiworker/styles/pulls/1/merge', { Do: 'squash' })).status).toBe(200);
    expect((await api('POST', '/repos/aiworker/styles/pulls/2/merge', { Do: 'fast-forward-only' })).status).toBe(409);
    expect((await api('POST', '/repos/aiworker/styles/pulls/2/merge', { Do: 'rebase' })).status).toBe(200);
    await git(clone, ['fetch', '--quiet', 'origin']);
    expect((await git(clone, ['log', '--format=%s', 'origin/main'])).split('\n')).toEqual([
      'rb two',
      'rb one',
      "Merge pull request 'Squash' (#1) from sq into main",
      'Initial commit',
    ]);
    expect(await git(clone, ['ls-tree', '--name-only', 'origin/main'])).toBe('README.md\nrb-1.txt\nrb-2.txt\nsq-1.txt\nsq-2.txt');
  });

  it('keeps repositories on disk: a stand-in started on the same folder serves them again', async () => {
    const root = workdir();
    const first = await startGiteaStandIn({ gitRoot: root, token: 'tok' });
    first.state.createRepo({ owner: 'aiworker', name: 'Kept', autoInit: true });
    const sha = first.state.pushCommit('aiworker', 'Kept', 'work', 'Work', { path: 'a.txt', content: 'a\n' });
    await first.close();

    const second = await startGiteaStandIn({ gitRoot: root, token: 'tok' });
    try {
      const repo = second.state.repo('aiworker', 'kept')!;
      expect(repo.defaultBranch).toBe('main');
      expect(repo.branches.get('work')!.commit.sha).toBe(sha);
      const dir = workdir();
      await git(dir, ['clone', '--quiet', '--branch', 'work', `${second.url}/aiworker/kept.git`, 'w']);
      expect(await git(join(dir, 'w'), ['show', 'HEAD:a.txt'])).toBe('a');
    } finally {
      await second.close();
    }
  });
});
