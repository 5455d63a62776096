import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGiteaStandIn, StateFileError, type GiteaStandIn } from '../src/index.js';

/**
 * Given a state file, the stand-in is Gitea across a restart: same port (links it gave out keep working),
 * pull requests with their numbers (new ones keep counting), reviews, comments, hooks, people's tokens,
 * OAuth2 applications and access tokens. Without one, nothing is written anywhere.
 */
const folders: string[] = [];
const running: GiteaStandIn[] = [];
let receiver: Server;
let receiverUrl: string;
const received: Array<{ event: string; body: string }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ event: String(req.headers['x-gitea-event-type']), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterEach(async () => {
  for (const standIn of running.splice(0)) await standIn.close();
});
afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function dataFolder(): { gitRoot: string; stateFile: string } {
  const folder = mkdtempSync(join(tmpdir(), 'aiworker-standin-restart-'));
  folders.push(folder);
  return { gitRoot: join(folder, 'gitea'), stateFile: join(folder, 'gitea-state.json') };
}

async function start(options: Parameters<typeof startGiteaStandIn>[0]): Promise<GiteaStandIn> {
  const standIn = await startGiteaStandIn(options);
  running.push(standIn);
  return standIn;
}

async function stop(standIn: GiteaStandIn): Promise<void> {
  running.splice(running.indexOf(standIn), 1);
  standIn.assertNoViolations();
  await standIn.close();
}

/**
 * fetch on a new connection each time: Node's fetch keeps idle connections without reading them, so one to a
 * stand-in that has stopped fails on reuse ("other side closed") even when another listens on the port again.
 */
const call = (url: string, init: RequestInit = {}) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), connection: 'close' } });

function api(standIn: GiteaStandIn, token = standIn.token) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await call(`${standIn.baseUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

describe('the stand-in with a state file', () => {
  it('keeps its port, pull requests and their numbers, reviews, comments, hooks and tokens across a restart', async () => {
    const kept = dataFolder();
    const token = randomBytes(20).toString('hex');
    const first = await start({ users: ['aiworker'], token, ...kept });
    const aiworker = api(first);
    expect((await aiworker('POST', '/user/repos', { name: 'shop', auto_init: true, default_branch: 'main' })).status).toBe(201);
    const hook = await aiworker('POST', '/repos/aiworker/shop/hooks', {
      type: 'gitea',
      active: true,
      events: ['pull_request_review'],
      config: { url: receiverUrl, content_type: 'json', secret: 'kept-secret' },
    });
    expect(hook.status).toBe(201);
    first.state.pushCommit('aiworker', 'shop', 'feature-1', 'one');
    first.state.pushCommit('aiworker', 'shop', 'feature-2', 'two');
    const pr1 = await aiworker('POST', '/repos/aiworker/shop/pulls', { head: 'feature-1', base: 'main', title: 'One' });
    const pr2 = await aiworker('POST', '/repos/aiworker/shop/pulls', { head: 'feature-2', base: 'main', title: 'Two' });
    expect([pr1.body.number, pr2.body.number]).toEqual([1, 2]);
    expect((await aiworker('POST', '/repos/aiworker/shop/pulls/2/merge', { Do: 'merge' })).status).toBe(200);
    const bob = first.reviewLoop.person('bob');
    const review = await api(first, bob.token)('POST', '/repos/aiworker/shop/pulls/1/reviews', { event: 'REQUEST_CHANGES', body: 'Rename it.' });
    expect(review.status).toBe(200);
    expect((await api(first, bob.token)('POST', '/repos/aiworker/shop/issues/1/comments', { body: 'Thanks!' })).status).toBe(201);
    await first.reviewLoop.idle();
    const url = first.url;
    await stop(first);

    const second = await start({ users: ['aiworker'], token, ...kept });
    expect(second.url).toBe(url);
    const again = api(second);
    // The same pull requests, merged or not; the link handed out answers.
    expect((await again('GET', '/repos/aiworker/shop/pulls/1')).body).toMatchObject({ number: 1, title: 'One', state: 'open', html_url: pr1.body.html_url });
    expect((await again('GET', '/repos/aiworker/shop/pulls/2')).body).toMatchObject({ number: 2, merged: true, merged_by: { login: 'aiworker' } });
    const page = await call(pr1.body.html_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('One #1');
    // Numbers keep counting: a new pull request is #3, not a second #1.
    second.state.pushCommit('aiworker', 'shop', 'feature-3', 'three');
    expect((await again('POST', '/repos/aiworker/shop/pulls', { head: 'feature-3', base: 'main', title: 'Three' })).body.number).toBe(3);
    // Reviews, comments, hooks (with their secret), and bob's token.
    expect((await again('GET', '/repos/aiworker/shop/pulls/1/reviews')).body).toEqual([expect.objectContaining({ id: review.body.id, state: 'REQUEST_CHANGES', body: 'Rename it.' })]);
    expect((await again('GET', '/repos/aiworker/shop/issues/1/comments')).body).toEqual([expect.objectContaining({ body: 'Thanks!', user: expect.objectContaining({ login: 'bob' }) })]);
    expect((await again('GET', '/repos/aiworker/shop/hooks')).body).toEqual([expect.objectContaining({ id: hook.body.id, config: expect.objectContaining({ url: receiverUrl }) })]);
    received.length = 0;
    expect((await api(second, bob.token)('POST', '/repos/aiworker/shop/pulls/1/reviews', { event: 'APPROVED', body: 'Good now.' })).status).toBe(200);
    await second.reviewLoop.idle();
    expect(received.map((r) => r.event)).toEqual(['pull_request_review_approved']);
    expect(JSON.parse(received[0].body)).toMatchObject({ number: 1, review: { content: 'Good now.' } });
    await stop(second);
    // Tokens and client secrets are in the file: for its owner only.
    expect(statSync(kept.stateFile).mode & 0o777).toBe(0o600);
  });

  it('keeps OAuth2 applications and access tokens; passwords are kept hashed, not in the clear', async () => {
    const kept = dataFolder();
    const first = await start({ users: ['aiworker'], orgs: ['acme'], oauth: { people: [{ login: 'alice', password: 'wonder-land', orgs: ['acme'] }] }, ...kept });
    const app = await api(first)('POST', '/user/applications/oauth2', { name: 'board', redirect_uris: ['http://127.0.0.1:9/callback'], confidential_client: true });
    expect(app.status).toBe(201);
    await stop(first);
    expect(readFileSync(kept.stateFile, 'utf8')).not.toContain('wonder-land');

    // After the restart the application signs alice in (and the person is known without being given again).
    const second = await start({ users: ['aiworker'], orgs: ['acme'], ...kept });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const form = new URLSearchParams({
      client_id: app.body.client_id,
      redirect_uri: 'http://127.0.0.1:9/callback',
      response_type: 'code',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      user_name: 'alice',
      password: 'wonder-land',
    });
    const authorized = await call(`${second.url}/login/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(authorized.status).toBe(302);
    const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
    const exchange = async (standIn: GiteaStandIn) =>
      call(`${standIn.url}/login/oauth/access_token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: app.body.client_id, client_secret: app.body.client_secret, redirect_uri: 'http://127.0.0.1:9/callback', code_verifier: verifier }),
      });
    const tokenAnswer = await exchange(second);
    expect(tokenAnswer.status).toBe(200);
    const { access_token } = (await tokenAnswer.json()) as { access_token: string };
    await stop(second);

    const third = await start({ users: ['aiworker'], orgs: ['acme'], ...kept });
    expect((await api(third, access_token)('GET', '/user')).body.login).toBe('alice');
    expect((await api(third, access_token)('GET', '/user/orgs')).body.map((org: { username: string }) => org.username)).toEqual(['acme']);
    // A wrong password is still wrong.
    form.set('password', 'guess');
    expect((await call(`${third.url}/login/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' })).status).toBe(401);
  });

  it('says which file is broken instead of starting empty, and says the kept port is taken', async () => {
    const kept = dataFolder();
    const first = await start({ users: ['aiworker'], ...kept });
    const port = Number(new URL(first.url).port);
    // The port is still held (by the first): the second cannot take it and says why.
    await expect(startGiteaStandIn({ users: ['aiworker'], ...kept })).rejects.toThrow(`kept in ${kept.stateFile}`);
    await stop(first);
    writeFileSync(kept.stateFile, '{"format":1,');
    await expect(startGiteaStandIn({ users: ['aiworker'], ...kept })).rejects.toThrow(StateFileError);
    await expect(startGiteaStandIn({ users: ['aiworker'], ...kept })).rejects.toThrow(kept.stateFile);
    expect(port).toBeGreaterThan(0);
  });

  it('without a state file writes nothing and picks a new port each time', async () => {
    const standIn = await start({ users: ['aiworker'] });
    expect((await api(standIn)('POST', '/user/repos', { name: 'mem', auto_init: true })).status).toBe(201);
    expect(existsSync(join(standIn.state.git.root, 'gitea-state.json'))).toBe(false);
    await stop(standIn);
  });
});
