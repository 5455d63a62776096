import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { GiteaStandIn } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { RATE_LIMITS } from '../../packages/core/src/auth/rate-limits.js';
import { advanceClock, clockMs } from '../../packages/core/src/clock.js';
import { expectError } from '../helpers/http.js';
import { signInWithGitea, startSignInRuntime } from '../helpers/signin.js';

/**
 * Sign-in starts, admin token exchanges and unknown bearer tokens are limited per client address, across
 * function instances (a counter item per address per window in DynamoDB): 429 with Retry-After and the
 * error envelope. Starting a sign-in writes no item of its own.
 */
let runtime: Runtime;
let gitea: GiteaStandIn;

beforeAll(async () => {
  ({ runtime, gitea } = await startSignInRuntime([{ login: 'alice', password: 'alice-pw' }], { logins: ['alice'] }));
});
afterAll(() => runtime?.stop());

/** One request from a chosen loopback address (Linux routes all of 127/8 to this machine): a client of its own. */
function from(address: string, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const url = new URL(path, runtime.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress: address }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: any = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The limits count per fixed minute of core's clock. A burst that straddles a minute's end is split between
 * two windows and may stay under the limit in each: start bursts with at least 20 s of the window left,
 * moving core's clock on to the next window's start rather than waiting for it.
 */
function awayFromWindowEnd(windowSeconds = 60): void {
  const left = windowSeconds - ((clockMs() / 1000) % windowSeconds);
  if (left < 20) advanceClock(left * 1000 + 100);
}

/** Runs `count` calls, `parallel` at a time, in order of start. */
async function many<T>(count: number, parallel: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await call(index);
      }
    }),
  );
  return results;
}

async function itemsWithPrefix(prefix: string): Promise<Array<Record<string, any>>> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'us-east-1' }));
  const items: Array<Record<string, any>> = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: runtime.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).filter((item) => String(item.pk).startsWith(prefix)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function expectLimited(response: { status: number; headers: Record<string, unknown>; body: any }) {
  expectError(response, 429, 'RATE_LIMITED', /Too many .* from your address; try again in \d+ s/);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('sign-in starts', () => {
  it('300 starts from one address: the first ones go to Gitea, the rest are 429; no item per start', { timeout: 300_000 }, async () => {
    const before = (await itemsWithPrefix('')).length;
    awayFromWindowEnd();
    const answers = await many(300, 20, () => from('127.0.0.2', 'GET', '/api/auth/gitea/login'));
    // One counter item per window the run took (a slow machine may cross a window boundary or two).
    const counters = await itemsWithPrefix('RATE#signInStart#127.0.0.2');
    expect(counters.reduce((sum, item) => sum + Number(item.hits), 0)).toBe(300);
    const redirected = answers.filter((answer) => answer.status === 302);
    expect(redirected.length).toBeGreaterThan(0);
    expect(redirected.length).toBeLessThanOrEqual(RATE_LIMITS.signInStart.limit * counters.length);
    const limited = answers.filter((answer) => answer.status !== 302);
    expect(limited.length).toBeGreaterThanOrEqual(300 - RATE_LIMITS.signInStart.limit * counters.length);
    for (const answer of limited) expectLimited(answer);
    // Nothing is written per start: the only new items are those counters.
    expect((await itemsWithPrefix('')).length - before).toBe(counters.length);
    // Another address is not held back by this one.
    expect((await from('127.0.0.3', 'GET', '/api/auth/gitea/login')).status).toBe(302);
  });
});

describe('admin token exchanges', () => {
  it('are limited per address, right or wrong token, and the limited ones sign nobody in', async () => {
    const exchange = (token: string) => from('127.0.0.4', 'POST', '/api/auth/token', { 'content-type': 'application/json' }, JSON.stringify({ token }));
    awayFromWindowEnd();
    const wrong = await many(RATE_LIMITS.tokenExchange.limit, 4, () => exchange('adm_guess'));
    for (const answer of wrong) expectError(answer, 401, 'UNAUTHORIZED');
    const limited = await exchange(runtime.adminToken);
    expectLimited(limited);
    expect(limited.headers['set-cookie']).toBeUndefined();
    // Elsewhere, the admin token still signs in.
    expect((await from('127.0.0.5', 'POST', '/api/auth/token', { 'content-type': 'application/json' }, JSON.stringify({ token: runtime.adminToken }))).status).toBe(200);
  });
});

describe('unknown bearer tokens', () => {
  it('past the limit from one address are 429, counted in one item; the admin token still works there', async () => {
    const guess = (index: number) => from('127.0.0.6', 'GET', '/api/projects', { authorization: `Bearer aiw_00000000-0000-0000-0000-${String(index).padStart(12, '0')}_guess` });
    awayFromWindowEnd();
    const answers = await many(RATE_LIMITS.failedBearer.limit + 5, 8, guess);
    expect(answers.filter((answer) => answer.status === 401).length).toBeLessThanOrEqual(RATE_LIMITS.failedBearer.limit);
    const limited = answers.filter((answer) => answer.status !== 401);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    for (const answer of limited) expectLimited(answer);
    const counters = await itemsWithPrefix('RATE#failedBearer#127.0.0.6');
    expect(counters.length).toBeLessThanOrEqual(2);
    expect(counters.reduce((sum, item) => sum + Number(item.hits), 0)).toBe(RATE_LIMITS.failedBearer.limit + 5);
    expect((await from('127.0.0.6', 'GET', '/api/projects', { authorization: `Bearer ${runtime.adminToken}` })).status).toBe(200);
    // Signing in with Gitea still works for a person (from another address).
    expect((await signInWithGitea(runtime.url, 'alice', 'alice-pw')).session).toBeDefined();
    gitea.assertNoViolations();
  });
});
