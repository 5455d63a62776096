import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGiteaStandIn, type GiteaStandIn } from '../src/index.js';

/**
 * Commit statuses as Gitea 1.22 answers them (POST/GET /repos/{owner}/{repo}/statuses/{sha}, GET
 * /repos/{owner}/{repo}/commits/{ref}/status) and the `status` webhook, signed like every delivery.
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

const call = async (method: string, path: string, body?: unknown, base = () => standIn) => {
  const response = await fetch(`${base().baseUrl}${path}`, {
    method,
    headers: { authorization: `token ${base().token}`, connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

let counter = 0;
async function repoWithCommit() {
  const name = `statuses-${++counter}`;
  expect((await call('POST', '/user/repos', { name, auto_init: true, default_branch: 'main' })).status).toBe(201);
  const sha = standIn.state.pushCommit('aiworker', name, 'feature', 'work');
  return { name, sha, path: `/repos/aiworker/${name}` };
}

describe('commit statuses', () => {
  it('creates statuses (the index counts per commit), lists them newest first, and refuses an unknown state or commit', async () => {
    const { sha, path } = await repoWithCommit();
    const first = await call('POST', `${path}/statuses/${sha}`, { state: 'pending', context: 'ci/build', description: 'running', target_url: 'http://ci.example/1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 1, status: 'pending', context: 'ci/build', description: 'running', target_url: 'http://ci.example/1', creator: { login: 'aiworker' } });
    const second = await call('POST', `${path}/statuses/${sha}`, { state: 'failure', context: 'ci/build', description: 'tests failed' });
    expect(second.body.id).toBe(2);
    const noContext = await call('POST', `${path}/statuses/${sha}`, { state: 'success' });
    expect(noContext.body.context).toBe('default');
    expect((await call('GET', `${path}/statuses/${sha}`)).body.map((s: any) => s.id)).toEqual([3, 2, 1]);
    expect((await call('GET', `${path}/statuses/${sha}?sort=oldest&state=failure`)).body.map((s: any) => s.id)).toEqual([2]);
    expect((await call('POST', `${path}/statuses/${sha}`, { state: 'broken' })).status).toBe(400);
    expect((await call('POST', `${path}/statuses/${'0'.repeat(40)}`, { state: 'success' })).status).toBe(404);
    expect((await call('GET', `${path}/statuses/${sha}`)).body).toHaveLength(3);
  });

  it('combines the newest status of each context by branch or sha: the worst state wins', async () => {
    const { sha, path } = await repoWithCommit();
    const empty = await call('GET', `${path}/commits/feature/status`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ state: '', total_count: 0 });
    await call('POST', `${path}/statuses/${sha}`, { state: 'failure', context: 'lint' });
    await call('POST', `${path}/statuses/${sha}`, { state: 'pending', context: 'test' });
    expect((await call('GET', `${path}/commits/feature/status`)).body).toMatchObject({ state: 'failure', sha, total_count: 2 });
    await call('POST', `${path}/statuses/${sha}`, { state: 'success', context: 'lint' });
    const pending = (await call('GET', `${path}/commits/${sha}/status`)).body;
    expect(pending.state).toBe('pending');
    expect(pending.statuses.map((s: any) => [s.context, s.status])).toEqual([['test', 'pending'], ['lint', 'success']]);
    await call('POST', `${path}/statuses/${sha}`, { state: 'success', context: 'test' });
    expect((await call('GET', `${path}/commits/feature/status`)).body.state).toBe('success');
    expect((await call('GET', `${path}/commits/no-such-branch/status`)).status).toBe(404);
  });

  it('delivers a signed `status` event to hooks that asked for it, and none to the others', async () => {
    const { name, sha, path } = await repoWithCommit();
    await call('POST', `${path}/hooks`, { type: 'gitea', active: true, events: ['status'], config: { url: receiverUrl, content_type: 'json', secret: 'status-secret' } });
    await call('POST', `${path}/hooks`, { type: 'gitea', active: true, events: ['pull_request'], config: { url: `${receiverUrl}/pulls`, content_type: 'json', secret: 'x' } });
    received.length = 0;
    const created = await call('POST', `${path}/statuses/${sha}`, { state: 'success', context: 'preview', description: 'deployed', target_url: 'https://pr-1.example' });
    await standIn.reviewLoop.idle();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery.headers['x-gitea-event-type']).toBe('status');
    expect(delivery.headers['x-gitea-event']).toBe('status');
    expect(delivery.headers['x-gitea-signature']).toBe(createHmac('sha256', 'status-secret').update(delivery.body).digest('hex'));
    const payload = JSON.parse(delivery.body);
    expect(payload).toMatchObject({ sha, state: 'success', context: 'preview', description: 'deployed', target_url: 'https://pr-1.example', repository: { name }, sender: { login: 'aiworker' }, commit: { id: sha } });
    expect(payload.id).toBeGreaterThanOrEqual(created.body.id);
  });
});

describe('a restart', () => {
  it('keeps the statuses in the state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-statuses-'));
    try {
      const options = { stateFile: join(dir, 'state.json'), gitRoot: join(dir, 'git') };
      let other = await startGiteaStandIn({ ...options, token: 't0ken' });
      await call('POST', '/user/repos', { name: 'kept', auto_init: true, default_branch: 'main' }, () => other);
      expect((await call('POST', '/repos/aiworker/kept/statuses/main', { state: 'failure', context: 'ci' }, () => other)).status).toBe(201);
      await other.close();
      other = await startGiteaStandIn({ ...options, token: 't0ken' });
      expect((await call('GET', '/repos/aiworker/kept/commits/main/status', undefined, () => other)).body).toMatchObject({ state: 'failure', total_count: 1 });
      other.assertNoViolations();
      await other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
