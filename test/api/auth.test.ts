import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { GiteaStandIn } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { cookiesOf, signInWithGitea, startSignInRuntime } from '../helpers/signin.js';
import { documentClient } from '../../packages/core/src/db/client.js';

let runtime: Runtime;
let gitea: GiteaStandIn;
let admin: ApiClient;

beforeAll(async () => {
  ({ runtime, gitea } = await startSignInRuntime(
    [
      { login: 'alice', password: 'alice-pw', orgs: ['acme'] },
      { login: 'bob', password: 'bob-pw' },
      { login: 'carol', password: 'carol-pw', orgs: ['elsewhere'] },
      { login: 'dave', password: 'dave-pw' },
    ],
    { orgs: ['acme'], logins: ['dave'], admins: ['bob'] },
  ));
  admin = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

/** A client that sends the session cookie the way the board does (same origin). */
function boardClient(session: string, origin = runtime.url): ApiClient {
  const base = apiClient(runtime.url);
  const headers = { cookie: `aiw_session=${session}`, origin };
  return {
    ...base,
    call: (method, path, body, init = {}) => base.call(method, path, body, { ...init, headers: { ...headers, ...init.headers } }),
    get: (path, init) => base.call('GET', path, undefined, { headers: { ...headers, ...init?.headers } }),
    post: (path, body, init) => base.call('POST', path, body, { ...init, headers: { ...headers, ...init?.headers } }),
    patch: (path, body, init) => base.call('PATCH', path, body, { ...init, headers: { ...headers, ...init?.headers } }),
    delete: (path) => base.call('DELETE', path, undefined, { headers }),
  };
}

const documents = () => DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'us-east-1' }));

async function adminSession(): Promise<{ session: string; attributes: string }> {
  const response = await fetch(`${runtime.url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: runtime.adminToken }),
  });
  expect(response.status).toBe(200);
  const cookie = cookiesOf(response).aiw_session;
  return { session: cookie.value, attributes: cookie.attributes };
}

describe('the admin token exchanged for a session', () => {
  it('sets an HttpOnly, SameSite=Lax cookie (not Secure on localhost) that signs the board in as admin', async () => {
    const { session, attributes } = await adminSession();
    expect(attributes).toMatch(/HttpOnly/);
    expect(attributes).toMatch(/SameSite=Lax/);
    expect(attributes).toMatch(/Path=\//);
    expect(attributes).not.toMatch(/Secure/);
    expect(ok(await boardClient(session).get('/api/auth/me'))).toEqual({ kind: 'admin', login: 'admin', admin: true, actor: 'admin' });
  });

  it('does not let the Host header decide Secure (AIWORKER_PUBLIC_URL and TLS do: test/api/session-security.test.ts)', async () => {
    const response = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const body = JSON.stringify({ token: runtime.adminToken });
      const req = httpRequest(`${runtime.url}/api/auth/token`, { method: 'POST', headers: { host: 'board.example.com', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, cookie: String(res.headers['set-cookie']) });
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(response.status).toBe(200);
    // Plain HTTP and no https public URL: a Secure cookie would not come back over this connection.
    expect(response.cookie).not.toMatch(/; Secure/);
  });

  it('refuses a wrong token with 401 and no cookie', async () => {
    const response = await fetch(`${runtime.url}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'adm_wrong' }) });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(((await response.json()) as any).error.message).toMatch(/not the admin token/);
  });

  it('stores only a hash of the session, with an expiry DynamoDB deletes by (TTL)', async () => {
    const { session } = await adminSession();
    const hash = createHash('sha256').update(session).digest('hex');
    const item = (await documents().send(new GetCommand({ TableName: runtime.tableName, Key: { pk: `SESSION#${hash}`, sk: 'SESSION' } }))).Item!;
    expect(JSON.stringify(item)).not.toContain(session);
    expect(item.expiresAtEpoch).toBeGreaterThan(Date.now() / 1000);
    const ttl = await new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'us-east-1' }).send(new DescribeTimeToLiveCommand({ TableName: runtime.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAtEpoch', TimeToLiveStatus: 'ENABLED' });
    expect(Date.parse(item.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('an expired session is refused even before DynamoDB has deleted it', async () => {
    const session = 'aiws_expired-session-for-test';
    const hash = createHash('sha256').update(session).digest('hex');
    const past = new Date(Date.now() - 60_000).toISOString();
    await documents().send(
      new PutCommand({
        TableName: runtime.tableName,
        Item: { pk: `SESSION#${hash}`, sk: 'SESSION', subject: 'admin', login: 'admin', admin: true, createdAt: past, expiresAt: past, expiresAtEpoch: Math.floor(Date.now() / 1000) - 60 },
      }),
    );
    expectError(await boardClient(session).get('/api/projects'), 401, 'UNAUTHORIZED', /expired or you signed out/);
  });

  it('signing out ends the session and clears the cookie', async () => {
    const { session } = await adminSession();
    const board = boardClient(session);
    const response = await board.post('/api/auth/logout');
    expect(ok(response)).toEqual({ signedOut: true });
    expect(response.headers.getSetCookie().join()).toMatch(/aiw_session=; .*Max-Age=0/);
    expectError(await board.get('/api/auth/me'), 401, 'UNAUTHORIZED');
  });
});

describe('cookie-authenticated writes are CSRF-safe', () => {
  it('a write from another origin is refused with 403 and writes nothing; the board origin and bearer tokens work', async () => {
    const { session } = await adminSession();
    const project = await createProject(admin);
    const before = ok<any[]>(await admin.get(`/api/tasks?projectId=${project.id}`)).length;
    const otherPort = new URL(runtime.url);
    otherPort.port = String(Number(otherPort.port) + 1);
    for (const origin of ['https://evil.example', otherPort.origin, 'null']) {
      const response = await boardClient(session, origin).post('/api/tasks', { projectId: project.id, title: 'forged' });
      expectError(response, 403, 'FORBIDDEN', /Cross-site request refused/);
    }
    // No Origin and no Sec-Fetch-Site (not a browser on the board): refused too.
    const bare = await apiClient(runtime.url).post('/api/tasks', { projectId: project.id, title: 'forged' }, { headers: { cookie: `aiw_session=${session}` } });
    expectError(bare, 403, 'FORBIDDEN');
    expect(ok<any[]>(await admin.get(`/api/tasks?projectId=${project.id}`)).length).toBe(before);

    ok(await boardClient(session).post('/api/tasks', { projectId: project.id, title: 'from the board' }), 201);
    ok(await apiClient(runtime.url).post('/api/tasks', { projectId: project.id, title: 'fetch metadata' }, { headers: { cookie: `aiw_session=${session}`, 'sec-fetch-site': 'same-origin' } }), 201);
    // Reads need no Origin.
    ok(await apiClient(runtime.url).get('/api/projects', { headers: { cookie: `aiw_session=${session}` } }));
  });
});

describe('sign-in with Gitea (OAuth2 code + PKCE, through the stand-in)', () => {
  it('a member of an allowed organization signs in; their actions carry their login', async () => {
    const result = await signInWithGitea(runtime.url, 'alice', 'alice-pw');
    expect(result.landedAt).toBe('/');
    expect(result.sessionAttributes).toMatch(/HttpOnly/);
    const alice = boardClient(result.session!);
    expect(ok(await alice.get('/api/auth/me'))).toEqual({ kind: 'person', login: 'alice', admin: false, actor: 'gitea:alice' });

    const project = await createProject(admin);
    const task = ok(await alice.post('/api/tasks', { projectId: project.id, title: 'Alice wants this', priority: 60 }), 201);
    ok(await alice.patch(`/api/tasks/${task.id}`, { priority: 90 }));
    ok(await alice.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    ok(await alice.patch(`/api/tasks/${task.id}`, { state: 'needs_input', question: 'Which colour?' }));
    ok(await alice.post(`/api/tasks/${task.id}/respond`, { response: 'Green' }));
    ok(await admin.patch(`/api/tasks/${task.id}`, { state: 'ready_to_test' }));
    const events = ok<any[]>(await admin.get(`/api/tasks/${task.id}/events?limit=100`));
    expect(events.map((event) => [event.type, event.actor])).toEqual([
      ['created', 'gitea:alice'],
      ['edited', 'gitea:alice'],
      ['state_changed', 'gitea:alice'],
      ['state_changed', 'gitea:alice'],
      ['responded', 'gitea:alice'],
      ['state_changed', 'admin'],
    ]);
    expect(events[4].message).toMatch(/alice answered: Green/);
    ok(await alice.delete(`/api/tasks/${task.id}`));
  });

  it('a listed login signs in; a listed admin may manage agents, others may not', async () => {
    const dave = boardClient((await signInWithGitea(runtime.url, 'dave', 'dave-pw')).session!);
    expectError(await dave.post('/api/agents', { name: 'nope' }), 403, 'FORBIDDEN', /Only admins/);
    ok(await dave.get('/api/agents'));
    const bob = boardClient((await signInWithGitea(runtime.url, 'bob', 'bob-pw')).session!);
    expect(ok(await bob.get('/api/auth/me')).admin).toBe(true);
    ok(await bob.post('/api/agents', { name: 'registered-by-bob' }), 201);
  });

  it('someone neither listed nor in an allowed organization is turned away, in words', async () => {
    const result = await signInWithGitea(runtime.url, 'carol', 'carol-pw');
    expect(result.session).toBeUndefined();
    const error = new URL(result.landedAt, runtime.url).searchParams.get('signin_error');
    expect(error).toMatch(/Gitea user 'carol' may not use this board/);
  });

  it('a sign-in works once and only in the browser that started it', async () => {
    const first = await signInWithGitea(runtime.url, 'alice', 'alice-pw');
    const replay = await fetch(first.callbackUrl, { redirect: 'manual', headers: { cookie: `aiw_signin=${first.signInCookie}` } });
    expect(cookiesOf(replay).aiw_session).toBeUndefined();
    expect(replay.headers.get('location')).toMatch(/signin_error=.*already%20used/);

    const start = await fetch(`${runtime.url}/api/auth/gitea/login`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state');
    const foreign = await fetch(`${runtime.url}/api/auth/gitea/callback?code=x&state=${state}`, { redirect: 'manual' });
    expect(foreign.headers.get('location')).toMatch(/signin_error=.*another%20browser/);
  });

  it('the stand-in holds Gitea to PKCE and to the registered redirect URI', async () => {
    const start = await fetch(`${runtime.url}/api/auth/gitea/login`, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const form = new URLSearchParams(authorize.searchParams);
    form.set('user_name', 'alice');
    form.set('password', 'alice-pw');
    const granted = await fetch(`${gitea.url}/login/oauth/authorize`, { method: 'POST', redirect: 'manual', body: form });
    const code = new URL(granted.headers.get('location')!).searchParams.get('code')!;
    const exchange = await fetch(`${gitea.url}/login/oauth/access_token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: process.env.AIWORKER_GITEA_CLIENT_ID!,
        client_secret: process.env.AIWORKER_GITEA_CLIENT_SECRET!,
        redirect_uri: authorize.searchParams.get('redirect_uri')!,
        code_verifier: 'not-the-verifier-not-the-verifier-not-the-verifier',
      }),
    });
    expect(exchange.status).toBe(400);
    expect(await exchange.json()).toMatchObject({ error: 'unauthorized_client', error_description: 'failed PKCE code challenge' });

    const elsewhere = new URL(authorize);
    elsewhere.searchParams.set('redirect_uri', 'https://evil.example/callback');
    const page = await fetch(elsewhere);
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/Unregistered Redirect URI/);
    gitea.assertNoViolations();
  });
});

describe('conditional reads', () => {
  it('GET answers carry an ETag; sending it back gets 304 until something changes', async () => {
    const first = await admin.get('/api/projects');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${runtime.url}/api/projects`, { headers: { authorization: `Bearer ${runtime.adminToken}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await createProject(admin);
    const changed = await fetch(`${runtime.url}/api/projects`, { headers: { authorization: `Bearer ${runtime.adminToken}`, 'if-none-match': etag } });
    expect(changed.status).toBe(200);
  });
});

describe('many boards open at once', () => {
  it('share one read of the table per function instance, and each poll that finds nothing new is a 304', async () => {
    process.env.AIWORKER_BOARD_CACHE_MS = '60000'; // longer than the test: the point is sharing, not timing
    const project = await createProject(admin);
    await createTask(admin, project.id);
    const queries: string[] = [];
    const name = `query-counter-${Date.now()}`;
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries.push(context.commandName);
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      const boards = await Promise.all(Array.from({ length: 30 }, () => admin.get('/api/board')));
      for (const board of boards) expect(board.status).toBe(200);
      const readsForThirty = queries.length;
      // One board read is one Query per collection page (tasks, agents, projects), whatever the number of boards.
      expect(readsForThirty).toBeLessThanOrEqual(6);
      const etag = boards[0].headers.get('etag')!;
      const polls = await Promise.all(
        Array.from({ length: 30 }, () => fetch(`${runtime.url}/api/board`, { headers: { authorization: `Bearer ${runtime.adminToken}`, 'if-none-match': etag } })),
      );
      expect(polls.map((poll) => poll.status)).toEqual(Array(30).fill(304));
      expect(queries.length).toBe(readsForThirty);
    } finally {
      documentClient().middlewareStack.remove(name);
      delete process.env.AIWORKER_BOARD_CACHE_MS;
    }
  });
});
