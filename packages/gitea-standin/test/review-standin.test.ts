import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGiteaStandIn, type GiteaStandIn } from '../src/index.js';

/**
 * The stand-in's review-loop side, as Gitea 1.22 behaves: repository hooks, reviews, comments, closing and
 * merging by a person, and webhooks delivered with Gitea's headers and signature. Every request and
 * response (and every payload) is checked against Gitea's API description (no violations after each test).
 */
let standIn: GiteaStandIn;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ headers: Record<string, string>; body: string }> = [];

beforeAll(async () => {
  standIn = await startGiteaStandIn({ users: ['aiworker'] });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterEach(() => standIn.assertNoViolations());
afterAll(async () => {
  await standIn?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

function as(token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${standIn.baseUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

let counter = 0;
async function repoWithPull() {
  const aiworker = as(standIn.token);
  const name = `review-${++counter}`;
  expect((await aiworker('POST', '/user/repos', { name, auto_init: true, default_branch: 'main' })).status).toBe(201);
  standIn.state.pushCommit('aiworker', name, 'feature', 'work');
  const pull = await aiworker('POST', `/repos/aiworker/${name}/pulls`, { head: 'feature', base: 'main', title: 'Feature' });
  expect(pull.status).toBe(201);
  return { name, number: pull.body.number as number, aiworker };
}

describe('repository hooks', () => {
  it('creates (inactive unless asked, push only unless told), lists, edits, deletes; refuses a config without url or content_type', async () => {
    const { name, aiworker } = await repoWithPull();
    const path = `/repos/aiworker/${name}/hooks`;
    expect((await aiworker('POST', path, { type: 'gitea', config: { content_type: 'json' } })).status).toBe(422);
    expect((await aiworker('POST', path, { type: 'gitea', config: { url: receiverUrl, content_type: 'xml' } })).status).toBe(422);
    const plain = await aiworker('POST', path, { type: 'gitea', config: { url: `${receiverUrl}/plain`, content_type: 'json' } });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ active: false, events: ['push'], config: { url: `${receiverUrl}/plain`, content_type: 'json' } });
    expect(plain.body.config.secret).toBeUndefined();
    const hook = await aiworker('POST', path, { type: 'gitea', active: true, events: ['pull_request'], config: { url: receiverUrl, content_type: 'json', secret: 's3cret' } });
    expect(hook.body.events).toEqual(expect.arrayContaining(['pull_request', 'pull_request_review_approved', 'pull_request_review_rejected', 'pull_request_comment', 'pull_request_sync']));
    expect((await aiworker('GET', path)).body.map((h: any) => h.id)).toEqual([plain.body.id, hook.body.id]);
    const edited = await aiworker('PATCH', `${path}/${plain.body.id}`, { active: true, events: ['pull_request_review'] });
    expect(edited.body).toMatchObject({ active: true, events: ['pull_request_review_approved', 'pull_request_review_rejected', 'pull_request_review_comment'] });
    expect((await aiworker('DELETE', `${path}/${plain.body.id}`)).status).toBe(204);
    expect((await aiworker('GET', `${path}/${plain.body.id}`)).status).toBe(404);
    expect((await aiworker('GET', `${path}/${hook.body.id}`)).body.id).toBe(hook.body.id);
  });
});

describe('reviews, comments and webhooks', () => {
  it("refuses approving one's own pull request and a request for changes without a body; a person's review is delivered signed, like Gitea", async () => {
    const { name, number, aiworker } = await repoWithPull();
    await aiworker('POST', `/repos/aiworker/${name}/hooks`, { type: 'gitea', active: true, events: ['pull_request'], config: { url: receiverUrl, content_type: 'json', secret: 's3cret' } });
    expect((await aiworker('POST', `/repos/aiworker/${name}/pulls/${number}/reviews`, { event: 'APPROVED' })).body.message).toMatch(/your own pull/);
    const bob = as(standIn.reviewLoop.person('bob').token);
    expect((await bob('POST', `/repos/aiworker/${name}/pulls/${number}/reviews`, { event: 'REQUEST_CHANGES', body: ' ' })).status).toBe(422);

    received.length = 0;
    const review = await bob('POST', `/repos/aiworker/${name}/pulls/${number}/reviews`, { event: 'REQUEST_CHANGES', body: 'Rename it.' });
    expect(review).toMatchObject({ status: 200, body: { state: 'REQUEST_CHANGES', body: 'Rename it.', user: { login: 'bob' } } });
    const comment = await bob('POST', `/repos/aiworker/${name}/issues/${number}/comments`, { body: 'Thanks!' });
    expect(comment).toMatchObject({ status: 201, body: { body: 'Thanks!', user: { login: 'bob' } } });
    await standIn.reviewLoop.idle();

    expect(received.map((r) => [r.headers['x-gitea-event-type'], r.headers['x-gitea-event']])).toEqual([
      ['pull_request_review_rejected', 'pull_request_rejected'],
      ['pull_request_comment', 'issue_comment'],
    ]);
    for (const delivery of received) {
      expect(delivery.headers['x-gitea-signature']).toBe(createHmac('sha256', 's3cret').update(delivery.body).digest('hex'));
      expect(delivery.headers['x-hub-signature-256']).toBe(`sha256=${delivery.headers['x-gitea-signature']}`);
      expect(delivery.headers['x-gitea-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(delivery.headers['user-agent']).toBe('GiteaServer');
    }
    const [rejected, commented] = received.map((r) => JSON.parse(r.body));
    expect(rejected).toMatchObject({ action: 'reviewed', number, sender: { login: 'bob' }, review: { type: 'pull_request_review_rejected', content: 'Rename it.' } });
    expect(commented).toMatchObject({ action: 'created', is_pull: true, issue: { number }, comment: { body: 'Thanks!' }, sender: { login: 'bob' } });
  });

  it('closing, reopening and merging by a person send pull_request webhooks (merged: true on the merge)', async () => {
    const { name, number, aiworker } = await repoWithPull();
    await aiworker('POST', `/repos/aiworker/${name}/hooks`, { type: 'gitea', active: true, events: ['pull_request'], config: { url: receiverUrl, content_type: 'json', secret: 'x' } });
    const carol = as(standIn.reviewLoop.person('carol').token);
    received.length = 0;
    expect((await carol('PATCH', `/repos/aiworker/${name}/pulls/${number}`, { state: 'closed' })).body.state).toBe('closed');
    expect((await carol('PATCH', `/repos/aiworker/${name}/pulls/${number}`, { state: 'open' })).body.state).toBe('open');
    expect((await carol('POST', `/repos/aiworker/${name}/pulls/${number}/merge`, { Do: 'merge' })).status).toBe(200);
    await standIn.reviewLoop.idle();
    const payloads = received.map((r) => JSON.parse(r.body));
    expect(payloads.map((p) => [p.action, p.pull_request.merged, p.sender.login])).toEqual([
      ['closed', false, 'carol'],
      ['reopened', false, 'carol'],
      ['closed', true, 'carol'],
    ]);
    expect(payloads[2].pull_request.merged_by.login).toBe('carol');
  });

  it('makes a personal access token with basic auth (the stand-in keeps no passwords), only for oneself', async () => {
    const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
    const create = (login: string, auth: string) =>
      fetch(`${standIn.baseUrl}/users/${login}/tokens`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci' }) });
    const made = await create('dora', basic('dora', 'pw'));
    expect(made.status).toBe(201);
    const token = ((await made.json()) as { sha1: string }).sha1;
    expect((await as(token)('GET', '/user')).body.login).toBe('dora');
    expect((await create('erin', basic('dora', 'pw'))).status).toBe(403);
    expect((await create('aiworker', basic('aiworker', 'wrong'))).status).toBe(401);
  });
});
