import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGiteaStandIn, type GiteaStandIn } from '../src/index.js';

/**
 * The stand-in's issues, as Gitea 1.22 has them: repository labels, issues (labels by id or name, edits,
 * closing), comments edited in place, and the webhooks Gitea sends for them (`issues`, `issue_label` with
 * X-Gitea-Event `issues`, `issue_comment`), signed; a merged pull request saying `Closes #N` closes issue N.
 * Every request, response and payload is checked against Gitea's API description.
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

function as(token: string, base = () => standIn.baseUrl) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base()}${path}`, {
      method,
      // A new connection each time: a restarted stand-in does not take up the old one's idle connections.
      headers: { authorization: `token ${token}`, connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

let counter = 0;
async function repoWithHook(events = ['issues', 'issue_comment', 'pull_request']) {
  const aiworker = as(standIn.token);
  const name = `issues-${++counter}`;
  expect((await aiworker('POST', '/user/repos', { name, auto_init: true, default_branch: 'main' })).status).toBe(201);
  const hook = await aiworker('POST', `/repos/aiworker/${name}/hooks`, { type: 'gitea', active: true, events, config: { url: receiverUrl, content_type: 'json', secret: 's3cret' } });
  expect(hook.status).toBe(201);
  return { name, aiworker, hook: hook.body };
}

/** Forgets what was delivered so far (after it has all arrived). */
async function clear() {
  await standIn.reviewLoop.idle();
  received.length = 0;
}

async function deliveries() {
  await standIn.reviewLoop.idle();
  const all = received.splice(0).map((r) => ({ headers: r.headers, payload: JSON.parse(r.body), body: r.body }));
  return all;
}

describe('labels and issues', () => {
  it('a hook asking for `issues` gets issue, label, assign and milestone events; labels are created and listed', async () => {
    const { name, aiworker, hook } = await repoWithHook();
    expect(hook.events).toEqual(expect.arrayContaining(['issues', 'issue_label', 'issue_assign', 'issue_milestone', 'issue_comment']));
    expect((await aiworker('POST', `/repos/aiworker/${name}/labels`, { name: 'aiworker', color: 'blue' })).status).toBe(422);
    const label = await aiworker('POST', `/repos/aiworker/${name}/labels`, { name: 'aiworker', color: '#00aabb' });
    expect(label).toMatchObject({ status: 201, body: { name: 'aiworker', color: '#00aabb' } });
    expect((await aiworker('GET', `/repos/aiworker/${name}/labels`)).body.map((l: any) => l.name)).toEqual(['aiworker']);
  });

  it('opening, labelling, editing, unlabelling, closing and reopening an issue: each a signed webhook with the whole issue', async () => {
    const { name, aiworker } = await repoWithHook();
    const label = (await aiworker('POST', `/repos/aiworker/${name}/labels`, { name: 'aiworker', color: '00aabb' })).body;
    const bob = as(standIn.reviewLoop.person('bob').token);
    await clear();
    const issue = await bob('POST', `/repos/aiworker/${name}/issues`, { title: 'Add a login page', body: 'With Gitea sign-in.' });
    expect(issue).toMatchObject({ status: 201, body: { number: 1, state: 'open', labels: [], user: { login: 'bob' } } });
    const path = `/repos/aiworker/${name}/issues/1`;
    expect((await bob('POST', `${path}/labels`, { labels: ['aiworker'] })).body.map((l: any) => l.id)).toEqual([label.id]);
    expect((await bob('PATCH', path, { title: 'Add a sign-in page' })).body.title).toBe('Add a sign-in page');
    expect((await bob('DELETE', `${path}/labels/${label.id}`)).status).toBe(204);
    expect((await bob('DELETE', `${path}/labels/${label.id}`)).status).toBe(404);
    expect((await bob('PUT', `${path}/labels`, { labels: [label.id] })).status).toBe(200);
    expect((await bob('PATCH', path, { state: 'closed' })).body).toMatchObject({ state: 'closed', closed_at: expect.any(String) });
    expect((await bob('PATCH', path, { state: 'open' })).body.state).toBe('open');
    expect((await bob('GET', `/repos/aiworker/${name}/issues?labels=aiworker`)).body.map((i: any) => i.number)).toEqual([1]);

    const sent = await deliveries();
    expect(sent.map((d) => [d.headers['x-gitea-event'], d.headers['x-gitea-event-type'], d.payload.action, d.payload.issue.labels.map((l: any) => l.name).join(',')])).toEqual([
      ['issues', 'issues', 'opened', ''],
      ['issues', 'issue_label', 'label_updated', 'aiworker'],
      ['issues', 'issues', 'edited', 'aiworker'],
      ['issues', 'issue_label', 'label_cleared', ''],
      ['issues', 'issue_label', 'label_updated', 'aiworker'],
      ['issues', 'issues', 'closed', 'aiworker'],
      ['issues', 'issues', 'reopened', 'aiworker'],
    ]);
    expect(sent[2].payload.changes).toEqual({ title: { from: 'Add a login page' } });
    for (const d of sent) {
      expect(d.headers['x-gitea-signature']).toBe(createHmac('sha256', 's3cret').update(d.body).digest('hex'));
      expect(d.payload).toMatchObject({ number: 1, sender: { login: 'bob' }, repository: { name }, issue: { number: 1, html_url: expect.stringContaining(`/issues/1`) } });
    }
  });

  it('comments on an issue: created, edited in place by its poster only, listed; issue_comment webhooks with is_pull false', async () => {
    const { name, aiworker } = await repoWithHook();
    await aiworker('POST', `/repos/aiworker/${name}/issues`, { title: 'Question' });
    await clear();
    const comment = await aiworker('POST', `/repos/aiworker/${name}/issues/1/comments`, { body: 'Working on it' });
    expect(comment).toMatchObject({ status: 201, body: { body: 'Working on it', issue_url: expect.stringContaining('/issues/1') } });
    const edit = `/repos/aiworker/${name}/issues/comments/${comment.body.id}`;
    expect((await aiworker('PATCH', edit, { body: 'In review' })).body).toMatchObject({ id: comment.body.id, body: 'In review' });
    expect((await aiworker('PATCH', edit, { body: 'In review' })).status).toBe(200);
    const carol = as(standIn.reviewLoop.person('carol').token);
    expect((await carol('PATCH', edit, { body: 'mine now' })).status).toBe(403);
    await carol('POST', `/repos/aiworker/${name}/issues/1/comments`, { body: 'Use blue.' });
    expect((await aiworker('GET', `/repos/aiworker/${name}/issues/1/comments`)).body.map((c: any) => c.body)).toEqual(['In review', 'Use blue.']);
    const sent = await deliveries();
    expect(sent.map((d) => [d.headers['x-gitea-event-type'], d.payload.action, d.payload.is_pull, d.payload.comment.body, d.payload.sender.login])).toEqual([
      ['issue_comment', 'created', false, 'Working on it', 'aiworker'],
      ['issue_comment', 'edited', false, 'In review', 'aiworker'],
      ['issue_comment', 'created', false, 'Use blue.', 'carol'],
    ]);
    expect(sent[1].payload.changes).toEqual({ body: { from: 'Working on it' } });
  });

  it('a merged pull request whose body says "Closes #N" closes issue N (issues closed, after the merge event)', async () => {
    const { name, aiworker } = await repoWithHook();
    await aiworker('POST', `/repos/aiworker/${name}/issues`, { title: 'Fix the footer' });
    await aiworker('POST', `/repos/aiworker/${name}/issues`, { title: 'Unrelated' });
    standIn.state.pushCommit('aiworker', name, 'fix', 'fix footer');
    const pull = await aiworker('POST', `/repos/aiworker/${name}/pulls`, { head: 'fix', base: 'main', title: 'Fix the footer', body: 'Done.\n\nCloses #1' });
    expect(pull.body.number).toBe(3);
    await clear();
    const carol = as(standIn.reviewLoop.person('carol').token);
    expect((await carol('POST', `/repos/aiworker/${name}/pulls/3/merge`, { Do: 'merge' })).status).toBe(200);
    const sent = await deliveries();
    expect(sent.map((d) => [d.headers['x-gitea-event-type'], d.payload.action, d.payload.number])).toEqual([
      ['pull_request', 'closed', 3],
      ['issues', 'closed', 1],
    ]);
    expect((await aiworker('GET', `/repos/aiworker/${name}/issues/1`)).body.state).toBe('closed');
    expect((await aiworker('GET', `/repos/aiworker/${name}/issues/2`)).body.state).toBe('open');
  });
});

describe('a restart', () => {
  it('keeps labels, issues and comments (the state file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-issues-'));
    try {
      const options = { stateFile: join(dir, 'state.json'), gitRoot: join(dir, 'git'), token: 'fixed-token-for-restart' };
      let kept = await startGiteaStandIn(options);
      const call = as(kept.token, () => kept.baseUrl);
      await call('POST', '/user/repos', { name: 'kept', auto_init: true });
      await call('POST', '/repos/aiworker/kept/labels', { name: 'aiworker', color: '112233' });
      await call('POST', '/repos/aiworker/kept/issues', { title: 'Kept', labels: [] });
      await call('POST', '/repos/aiworker/kept/issues/1/labels', { labels: ['aiworker'] });
      await call('POST', '/repos/aiworker/kept/issues/1/comments', { body: 'progress' });
      await kept.close();
      kept = await startGiteaStandIn(options);
      expect((await call('GET', '/repos/aiworker/kept/issues/1')).body).toMatchObject({ title: 'Kept', labels: [{ name: 'aiworker' }], comments: 1 });
      expect((await call('POST', '/repos/aiworker/kept/issues', { title: 'Next' })).body.number).toBe(2);
      kept.assertNoViolations();
      await kept.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
