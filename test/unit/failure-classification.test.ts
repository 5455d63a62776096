import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCERPT_MAX, boundedCopy, excerpt } from '../../packages/core/src/excerpt.js';
import { GiteaError, isRetryableStatus, parseRetryAfter, toGiteaError } from '../../packages/gitea-client/src/errors.js';
import { PermanentJobError, classifyFailure, retryDelaySeconds } from '../../packages/core/src/services/job-retry.js';

/** What gitea-js throws for a non-2xx answer: the fetch Response, with the parsed body in `.error`. */
function giteaResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Response(null, { status, headers }), { error: body });
}

describe('Gitea failures: retry or give up', () => {
  it.each([500, 502, 503, 504, 599, 429, 408])('HTTP %i is retried', (status) => {
    const error = toGiteaError(giteaResponse(status, { message: 'try later' }), 'createBranch', 10_000);
    expect(error).toBeInstanceOf(GiteaError);
    expect(error).toMatchObject({ status, retryable: true, operation: 'createBranch' });
    expect(error.message).toBe(`Gitea createBranch failed with HTTP ${status}: try later`);
    expect(classifyFailure(error)).toMatchObject({ retryable: true });
  });

  it.each([400, 401, 403, 404, 405, 409, 413, 422])('HTTP %i is permanent', (status) => {
    const error = toGiteaError(giteaResponse(status, { message: 'branch already exists', url: 'https://gitea/api/swagger' }), 'createBranch', 10_000);
    expect(error).toMatchObject({ status, retryable: false });
    expect(error.message).toContain('branch already exists');
    expect(classifyFailure(error)).toEqual({ retryable: false, retryAfterSeconds: undefined, message: error.message });
    expect(isRetryableStatus(status)).toBe(false);
  });

  it('takes Retry-After (seconds or an HTTP date) from a 429 or 503 and waits at least that long', () => {
    const limited = toGiteaError(giteaResponse(429, { message: '' }, { 'Retry-After': '120' }), 'createPullRequest', 10_000);
    expect(limited).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 120 });
    // An empty Gitea message falls back to the status text, never to an empty detail.
    expect(limited.message).toMatch(/HTTP 429: \S/);
    expect(classifyFailure(limited)).toMatchObject({ retryable: true, retryAfterSeconds: 120 });

    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(' 7 ', now)).toBe(7);
    expect(parseRetryAfter('Thursday, 01-Jan-26 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Thu Jan  1 00:01:30 2026', now)).toBe(90);
    for (const junk of ['soon', '-5', '2099-01-01', '1.5e3', '', null, undefined]) expect(parseRetryAfter(junk, now)).toBeUndefined();
    expect(toGiteaError(giteaResponse(503, {}, { 'Retry-After': 'soon' }), 'x', 1).retryAfterSeconds).toBeUndefined();
  });

  it('backs off exponentially, capped, and a longer Retry-After wins', () => {
    const saved = { base: process.env.AIWORKER_RETRY_BASE_SECONDS, max: process.env.AIWORKER_RETRY_MAX_SECONDS };
    process.env.AIWORKER_RETRY_BASE_SECONDS = '5';
    process.env.AIWORKER_RETRY_MAX_SECONDS = '300';
    try {
      expect([1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => retryDelaySeconds(attempt))).toEqual([5, 10, 20, 40, 80, 160, 300, 300]);
      expect(retryDelaySeconds(1, 120)).toBe(120);
      expect(retryDelaySeconds(4, 10)).toBe(40);
      // SQS allows at most 12 hours of visibility.
      expect(retryDelaySeconds(1, 10 ** 9)).toBe(43_200);
    } finally {
      for (const [name, value] of [['AIWORKER_RETRY_BASE_SECONDS', saved.base], ['AIWORKER_RETRY_MAX_SECONDS', saved.max]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('bounds what Gitea sent: a huge error message is stored as an excerpt', () => {
    const huge = 'x'.repeat(100_000);
    const error = toGiteaError(giteaResponse(422, { message: huge }), 'createRepository', 10_000);
    expect(error.message.length).toBeLessThan(700);
    expect(error.message).toMatch(/… \(99500 more characters\)$/);
    expect(toGiteaError(new Error(huge), 'x', 1).message.length).toBeLessThan(700);
    expect(excerpt('short')).toBe('short');
    expect(excerpt('y'.repeat(EXCERPT_MAX + 1))).toBe(`${'y'.repeat(EXCERPT_MAX)}… (1 more characters)`);
    const copy = boundedCopy({ body: huge, list: Array.from({ length: 500 }, () => huge), deep: { a: { b: { c: { d: { e: { f: 1 } } } } } } });
    expect(JSON.stringify(copy).length).toBeLessThan(100_000);
  });

  it('a plain coding error is permanent; an unknown failure is retried; PermanentJobError never is', () => {
    expect(toGiteaError(new Error('cannot read x of undefined'), 'op', 1)).toMatchObject({ retryable: false, status: undefined });
    expect(classifyFailure(new Error('DynamoDB hiccup'))).toEqual({ retryable: true, message: 'DynamoDB hiccup' });
    expect(classifyFailure('a string')).toEqual({ retryable: true, message: 'a string' });
    expect(classifyFailure(Object.assign(new PermanentJobError('no such project'), { retryable: true }))).toEqual({ retryable: false, message: 'no such project' });
    const existing = new GiteaError('kept', { operation: 'op', retryable: false });
    expect(toGiteaError(existing, 'other', 1)).toBe(existing);
  });
});

describe('Gitea failures from a real fetch', () => {
  let silent: Server;
  let silentUrl: string;
  let closedUrl: string;
  beforeAll(async () => {
    // Accepts the connection and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/v1/version`;
    // A port that was free a moment ago and is closed now: connection refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/api/v1/version`;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('a timeout is retryable and says how long it waited', async () => {
    const thrown = await fetch(silentUrl, { signal: AbortSignal.timeout(50) }).catch((error: unknown) => error);
    const error = toGiteaError(thrown, 'getVersion', 50);
    expect(error).toMatchObject({ retryable: true, status: undefined, message: 'Gitea getVersion timed out after 50 ms' });
    expect(error.cause).toBe(thrown);
  });

  it('a refused connection is a retryable network error that names the cause', async () => {
    const thrown = await fetch(closedUrl).catch((error: unknown) => error);
    const error = toGiteaError(thrown, 'getVersion', 10_000);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toBe('Gitea getVersion failed: network error (ECONNREFUSED)');
    expect(classifyFailure(error).retryable).toBe(true);
  });
});
