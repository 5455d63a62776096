import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { supplySecrets } from '../../packages/local/src/secrets.js';
import { createProject } from '../helpers/fixtures.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestRuntime } from '../helpers/runtime.js';

/**
 * Board sessions against a hostile network (issue 19): rotating the admin token, the cookie's Secure flag,
 * forged X-Forwarded-Host and forced sign-out from another site.
 */
let runtime: Runtime;
let admin: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false, sweeper: false });
  admin = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

const savedEnv = { ...process.env };
afterEach(() => {
  for (const name of ['AIWORKER_PUBLIC_URL', 'AIWORKER_TRUSTED_PROXIES']) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  supplySecrets({ AdminToken: runtime.adminToken });
});

/** POST /api/auth/token with exactly these headers (Host included); the session cookie's value and attributes. */
async function exchange(token: string, headers: Record<string, string> = {}) {
  const answer = await rawRequest(runtime.url, 'POST', '/api/auth/token', { 'content-type': 'application/json', ...headers }, JSON.stringify({ token }));
  const line = ([] as string[]).concat(answer.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith('aiw_session='));
  return { status: answer.status, line: line ?? '', session: line ? decodeURIComponent(line.slice('aiw_session='.length).split(';')[0]) : undefined };
}

/** A request the way the board (or a forger) sends it with the session cookie. */
const withCookie = (session: string, headers: Record<string, string> = {}) => ({ cookie: `aiw_session=${session}`, ...headers });

describe('rotating the admin token', () => {
  it('ends every session made with the old token; the new token signs in', async () => {
    const old = await exchange(runtime.adminToken);
    expect(ok(await apiClient(runtime.url).get('/api/auth/me', { headers: withCookie(old.session!) }))).toMatchObject({ kind: 'admin' });

    const rotated = `adm_${randomBytes(16).toString('hex')}`;
    supplySecrets({ AdminToken: rotated });
    expectError(await apiClient(runtime.url).get('/api/auth/me', { headers: withCookie(old.session!) }), 401, 'UNAUTHORIZED');
    expectError(await apiClient(runtime.url).get('/api/projects', { headers: withCookie(old.session!) }), 401, 'UNAUTHORIZED');
    expectError(await apiClient(runtime.url, runtime.adminToken).get('/api/projects'), 401, 'UNAUTHORIZED');

    const fresh = await exchange(rotated);
    expect(fresh.status).toBe(200);
    expect(ok(await apiClient(runtime.url).get('/api/auth/me', { headers: withCookie(fresh.session!) }))).toMatchObject({ kind: 'admin' });
    // Rotating back does not revive the sessions of the token in between.
    supplySecrets({ AdminToken: runtime.adminToken });
    expectError(await apiClient(runtime.url).get('/api/auth/me', { headers: withCookie(fresh.session!) }), 401, 'UNAUTHORIZED');
  });
});

describe("the session cookie's Secure flag", () => {
  it('follows AIWORKER_PUBLIC_URL, not the Host header a proxy forwards', async () => {
    // A TLS-terminating proxy forwarding to http://127.0.0.1 keeps Host: 127.0.0.1.
    process.env.AIWORKER_PUBLIC_URL = 'https://board.example.com';
    const behindProxy = await exchange(runtime.adminToken, { host: new URL(runtime.url).host });
    expect(behindProxy.status).toBe(200);
    expect(behindProxy.line).toMatch(/; Secure/);

    process.env.AIWORKER_PUBLIC_URL = runtime.url;
    const plain = await exchange(runtime.adminToken, { host: 'board.example.com' });
    expect(plain.line).not.toMatch(/Secure/);
  });

  it('without a public URL, is Secure when the request came over TLS (X-Forwarded-Proto: https, as API Gateway sends)', async () => {
    delete process.env.AIWORKER_PUBLIC_URL;
    expect((await exchange(runtime.adminToken, { host: 'localhost', 'x-forwarded-proto': 'https' })).line).toMatch(/; Secure/);
    expect((await exchange(runtime.adminToken)).line).not.toMatch(/Secure/);
  });
});

describe('the CSRF origin check', () => {
  it('does not trust X-Forwarded-Host from just anyone: a forged one is 403 and writes nothing', async () => {
    const { session } = await exchange(runtime.adminToken);
    const project = await createProject(admin);
    const body = JSON.stringify({ projectId: project.id, title: 'forged' });
    const forged = await rawRequest(
      runtime.url,
      'POST',
      '/api/tasks',
      withCookie(session!, { 'content-type': 'application/json', origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' }),
      body,
    );
    expectError(forged, 403, 'FORBIDDEN', /Cross-site request refused/);
    expect(ok<any[]>(await admin.get(`/api/tasks?projectId=${project.id}`))).toEqual([]);

    // A proxy the deployment names (by its address) is believed.
    process.env.AIWORKER_TRUSTED_PROXIES = '10.0.0.9, 127.0.0.1';
    const proxied = await rawRequest(
      runtime.url,
      'POST',
      '/api/tasks',
      withCookie(session!, { 'content-type': 'application/json', origin: 'https://board.example.com', 'x-forwarded-host': 'board.example.com' }),
      JSON.stringify({ projectId: project.id, title: 'through the proxy' }),
    );
    expect(proxied.status, proxied.text).toBe(201);
  });

  it('checks sign-out too: another site cannot end the session', async () => {
    const { session } = await exchange(runtime.adminToken);
    const forced = await rawRequest(runtime.url, 'POST', '/api/auth/logout', withCookie(session!, { origin: 'https://evil.example' }));
    expectError(forced, 403, 'FORBIDDEN', /Cross-site request refused/);
    expect(forced.headers['set-cookie']).toBeUndefined();
    expect(ok(await apiClient(runtime.url).get('/api/auth/me', { headers: withCookie(session!) }))).toMatchObject({ kind: 'admin' });

    const fromBoard = await rawRequest(runtime.url, 'POST', '/api/auth/logout', withCookie(session!, { origin: runtime.url }));
    expect(fromBoard.status).toBe(200);
    expectError(await apiClient(runtime.url).get('/api/auth/me', { headers: withCookie(session!) }), 401, 'UNAUTHORIZED');
  });
});
