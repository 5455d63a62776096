/**
 * HEAD on every GET route answers like GET without a body (as API Gateway and CloudFront do on AWS), and
 * /.well-known/* is a 404 envelope, not the board's index.html: an MCP client that probes
 * /.well-known/oauth-protected-resource must get the 404 that makes it fall back to its bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok } from '../helpers/http.js';
import { createProject } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
let projectId: string;
const admin = () => ({ authorization: `Bearer ${runtime.adminToken}` });

beforeAll(async () => {
  runtime = await startTestRuntime();
  projectId = (await createProject(apiClient(runtime.url, runtime.adminToken))).id;
});
afterAll(() => runtime?.stop());

async function exchange(method: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${runtime.url}${path}`, { method, headers, redirect: 'manual' });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

describe('HEAD', () => {
  it('answers every GET route with the status and headers GET gives, the GET body length, and no body', async () => {
    const getRoutes = routes.filter((route) => route.method === 'GET');
    expect(getRoutes.length).toBeGreaterThan(5);
    for (const route of getRoutes) {
      const path = route.path.replace(/\{id\}/g, projectId);
      const get = await exchange('GET', path, admin());
      const head = await exchange('HEAD', path, admin());
      const label = `HEAD ${path}`;
      expect({ label, status: head.status }).toEqual({ label, status: get.status });
      expect(head.status, label).not.toBe(405);
      expect({ label, type: head.headers.get('content-type') }).toEqual({ label, type: get.headers.get('content-type') });
      expect({ label, length: head.body.length }).toEqual({ label, length: 0 });
      // A redirect's Location carries a fresh sign-in state each time; other answers are the same length.
      if (get.status < 300 || get.status >= 400) expect({ label, length: head.headers.get('content-length') }).toEqual({ label, length: String(get.body.length) });
    }
  });

  it('carries the ETag GET gives, and 304 for If-None-Match', async () => {
    const path = `/api/projects/${projectId}`;
    const get = await exchange('GET', path, admin());
    const head = await exchange('HEAD', path, admin());
    expect(ok({ status: get.status, headers: get.headers, body: JSON.parse(get.body.toString()) }).id).toBe(projectId);
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
    const unchanged = await exchange('HEAD', path, { ...admin(), 'if-none-match': get.headers.get('etag')! });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body.length).toBe(0);
  });

  it('is refused like GET without a token (401, no body) and is not a way onto POST-only routes', async () => {
    const anonymous = await exchange('HEAD', '/api/projects');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.length).toBe(0);
    expect(anonymous.headers.get('www-authenticate') ?? anonymous.headers.get('content-type')).toBeTruthy();

    const postOnly = await exchange('HEAD', '/api/webhooks/gitea');
    expect(postOnly.status).toBe(405);
    expect(postOnly.headers.get('allow')).toBe('POST');
    expect(postOnly.body.length).toBe(0);
  });

  it('is named in Allow wherever GET is', async () => {
    const response = await exchange('DELETE', '/api/health');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')!.split(/,\s*/).sort()).toEqual(['GET', 'HEAD']);
  });
});

describe('/.well-known', () => {
  const paths = [
    '/.well-known/oauth-authorization-server',
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
    '/.well-known/openid-configuration',
    '/.well-known',
  ];

  it('answers 404 with the JSON error envelope, not the board', async () => {
    for (const path of paths) {
      const response = await exchange('GET', path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(response.body.toString())).toEqual({ success: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(path) } });
      expect((await exchange('HEAD', path)).status).toBe(404);
    }
  });

  it('leaves the board answering its own paths', async () => {
    const page = await exchange('GET', '/tasks/some-task');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await exchange('HEAD', '/')).status).toBe(200);
  });
});
