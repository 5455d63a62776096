import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../infra/routes.js';
import { mcpFunction, sweeperFunction } from '../infra/functions.js';
import { queue } from '../infra/queue.js';
import { documentClient } from '../packages/core/src/db/client.js';
import type { Runtime } from '../packages/local/src/runtime.js';
import { apiClient, ok } from './helpers/http.js';
import { startTestRuntime } from './helpers/runtime.js';
import { sourceFiles } from './helpers/source-files.js';

/**
 * DESIGN.md: no Scan on any request path. Checked two ways: statically over all code a handler can
 * reach, and at run time by recording every DynamoDB command while every endpoint is called.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const SCAN_PATTERNS: RegExp[] = [
  /\bScanCommand/, // ScanCommand, ScanCommandInput (client-dynamodb and lib-dynamodb)
  /\bnew\s+Scan\b/,
  /\bpaginateScan\b/,
  /['"`]Scan['"`]/, // e.g. a raw `X-Amz-Target: DynamoDB_20120810.Scan` built by hand, or `send('Scan')`
  /DynamoDB_20120810\.Scan\b/,
  /\.scan\s*\(/, // the v2 DocumentClient style
];

const scanUses = (source: string): string[] =>
  source.split('\n').flatMap((line, index) => (SCAN_PATTERNS.some((pattern) => pattern.test(line)) ? [`${index + 1}: ${line.trim()}`] : []));

/** Resolves one import of `from` to a file of this repository, or undefined for an npm package. */
function resolveImport(from: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else if (specifier === '@aiworker/core') base = join(root, 'packages/core/src/index');
  else if (specifier.startsWith('@aiworker/core/')) base = join(root, 'packages/core/src', specifier.slice('@aiworker/core/'.length));
  else if (specifier === '@aiworker/infra') base = join(root, 'infra/index');
  else if (specifier.startsWith('@aiworker/infra/')) base = join(root, 'infra', specifier.slice('@aiworker/infra/'.length));
  else if (specifier.startsWith('@aiworker/')) {
    const [, name, ...rest] = specifier.split('/');
    base = join(root, 'packages', name, 'src', rest.length ? rest.join('/') : 'index');
  } else return undefined;
  const stem = base.replace(/\.(js|ts|mjs)$/, '');
  return [`${stem}.ts`, `${stem}.mts`, `${stem}.js`, join(stem, 'index.ts')].find((path) => existsSync(path));
}

/** Every repository file reachable through imports from the given entry points. */
function reachableFrom(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)].map(
      (match) => match[1] ?? match[2] ?? match[3],
    );
    for (const specifier of specifiers) {
      const target = resolveImport(file, specifier);
      if (target && !seen.has(target)) queue.push(target);
    }
  }
  return seen;
}

const handlerEntries = (): string[] =>
  [...routes.map((route) => route.handler), mcpFunction.handler, sweeperFunction.handler, queue.worker]
    .map((handler) => resolveImport(join(root, 'index.ts'), `./${handler}`))
    .filter((path): path is string => path !== undefined);

describe('no Scan: static check', () => {
  it('the detector finds every form of Scan and not ScanIndexForward', () => {
    for (const sample of [
      "import { ScanCommand } from '@aws-sdk/lib-dynamodb';",
      'const input: ScanCommandInput = {};',
      'await client.send(new Scan({ TableName }));',
      'for await (const page of paginateScan({ client }, {})) {}',
      "headers['x-amz-target'] = 'DynamoDB_20120810.Scan';",
      'await docClient.scan({ TableName }).promise();',
    ]) {
      expect(scanUses(sample), sample).toHaveLength(1);
    }
    expect(scanUses('{ ScanIndexForward: false, scanned: true }')).toEqual([]);
  });

  it('finds every handler of the route table and follows its imports into core', () => {
    const entries = handlerEntries();
    expect(entries.length).toBeGreaterThanOrEqual(routes.length);
    const reachable = [...reachableFrom(entries)].map((path) => relative(root, path));
    expect(reachable).toContain('packages/core/src/db/page.ts');
    expect(reachable).toContain('packages/core/src/db/store.ts');
    expect(reachable).toContain('infra/routes.ts');
    expect(reachable).toContain('infra/table.ts'); // through core, by the package name @aiworker/infra
  });

  it('no file a handler can reach, and none under functions/, packages/core/src/ or infra/, uses Scan', () => {
    const files = new Set([
      ...reachableFrom(handlerEntries()),
      ...['functions', 'packages/core/src', 'infra'].flatMap((dir) => sourceFiles(join(root, dir))),
    ]);
    expect(files.size).toBeGreaterThan(30);
    const offenders = [...files].flatMap((file) => scanUses(readFileSync(file, 'utf8')).map((line) => `${relative(root, file)}:${line}`));
    expect(offenders).toEqual([]);
  });
});

describe('no Scan: every endpoint, with every DynamoDB command recorded', () => {
  let runtime: Runtime;
  const commands = new Set<string>();

  beforeAll(async () => {
    runtime = await startTestRuntime();
    // Same process, same cached client the handlers use (the runtime set its endpoint in the environment).
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        commands.add(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'recordCommandsForNoScanTest' },
    );
  });
  afterAll(() => runtime?.stop());

  it('calls every route and DynamoDB never sees a Scan', async () => {
    const api = apiClient(runtime.url, runtime.adminToken);
    const called = new Set<string>();
    const call = async (method: string, template: string, path: string, body?: unknown, status = 200, client = api) => {
      const response = await client.call(method, path, body);
      called.add(`${method} ${template}`);
      return ok(response, status);
    };

    await call('GET', '/api', '/api');
    await call('GET', '/api/health', '/api/health');
    await call('GET', '/api/openapi.json', '/api/openapi.json');

    const project = await call('POST', '/api/projects', '/api/projects', { name: 'NoScan', giteaOwner: 'acme', giteaRepo: 'noscan' }, 201);
    await call('GET', '/api/projects', '/api/projects?limit=1');
    await call('GET', '/api/projects/{id}', `/api/projects/${project.id}`);
    await call('PATCH', '/api/projects/{id}', `/api/projects/${project.id}`, { description: 'x' });

    const task = await call('POST', '/api/tasks', '/api/tasks', { projectId: project.id, title: 'Do not scan' }, 201);
    await createMore(api, project.id);
    for (const query of ['', `?projectId=${project.id}`, '?state=backlog', `?projectId=${project.id}&state=backlog`, '?assignedAgentId=x', '?assignedAgentId=x&state=backlog&projectId=y']) {
      const first = await api.get(`/api/tasks${query}${query ? '&' : '?'}limit=1`);
      called.add('GET /api/tasks');
      expect(first.status).toBe(200);
      if (first.body.cursor) ok(await api.get(`/api/tasks${query}${query ? '&' : '?'}limit=1&cursor=${first.body.cursor}`));
    }
    await call('GET', '/api/tasks/{id}', `/api/tasks/${task.id}`);
    await call('PATCH', '/api/tasks/{id}', `/api/tasks/${task.id}`, { state: 'in_progress' });
    await call('PATCH', '/api/tasks/{id}', `/api/tasks/${task.id}`, { state: 'needs_input', question: 'Scan?' });
    await call('POST', '/api/tasks/{id}/respond', `/api/tasks/${task.id}/respond`, { response: 'Never' });
    await call('GET', '/api/tasks/{id}/events', `/api/tasks/${task.id}/events?limit=1`);

    const agent = await call('POST', '/api/agents', '/api/agents', { name: 'no-scan' }, 201);
    await call('GET', '/api/agents', '/api/agents?limit=1');
    await call('GET', '/api/agents', '/api/agents?status=idle');
    await call('GET', '/api/agents/{id}', `/api/agents/${agent.id}`);
    await call('PATCH', '/api/agents/{id}', `/api/agents/${agent.id}`, { capabilities: ['go'] });
    await call('POST', '/api/agents/{id}/heartbeat', `/api/agents/${agent.id}/heartbeat`, undefined, 200, apiClient(runtime.url, agent.token));
    await call('DELETE', '/api/agents/{id}', `/api/agents/${agent.id}`);

    // Deleting a project checks for tasks first (refused), then succeeds once they are gone.
    expect((await api.delete(`/api/projects/${project.id}`)).status).toBe(409);
    for (const item of ok(await api.get(`/api/tasks?projectId=${project.id}&limit=100`))) {
      await call('DELETE', '/api/tasks/{id}', `/api/tasks/${item.id}`);
    }
    await call('DELETE', '/api/projects/{id}', `/api/projects/${project.id}`);

    // Then every route of the table, whatever was added since: each handler runs (success or a 4xx) and never fails.
    const fresh = {
      project: ok(await api.post('/api/projects', { name: 'Sweep', giteaOwner: 'acme', giteaRepo: 'sweep' }), 201),
      agent: ok(await api.post('/api/agents', { name: 'sweep' }), 201),
    };
    const freshTask = ok(await api.post('/api/tasks', { projectId: fresh.project.id, title: 'Sweep' }), 201);
    const idFor = (path: string) =>
      path.startsWith('/api/tasks') ? freshTask.id : path.startsWith('/api/agents') ? fresh.agent.id : path.startsWith('/api/projects') ? fresh.project.id : 'unknown-id';
    const order = (method: string, path: string) => (method === 'DELETE' ? (path.startsWith('/api/projects') ? 2 : 1) : 0);
    for (const route of [...routes].sort((a, b) => order(a.method, a.path) - order(b.method, b.path))) {
      const path = route.path.replace(/\{id\}/g, idFor(route.path));
      const body = ['POST', 'PATCH'].includes(route.method) ? {} : undefined;
      const response = await api.call(route.method, path, body);
      expect(response.status, `${route.method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
      called.add(`${route.method} ${route.path}`);
    }

    expect([...called].sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    // The recorder saw the handlers' traffic (names of the underlying DynamoDB operations), so an absent Scan means something.
    expect([...commands]).toEqual(expect.arrayContaining(['GetItemCommand', 'QueryCommand', 'PutItemCommand', 'TransactWriteItemsCommand']));
    expect([...commands].filter((name) => /scan/i.test(name))).toEqual([]);
  });
});

async function createMore(api: ReturnType<typeof apiClient>, projectId: string) {
  for (let i = 0; i < 3; i++) ok(await api.post('/api/tasks', { projectId, title: `more-${i}` }), 201);
}
