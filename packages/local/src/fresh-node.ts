import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What a fresh `node` process runs: read the event from stdin, import the bundle (nothing else from the
 * project is on hand), call `handler(event, context)` once with a Lambda-like context, write the result.
 *
 * The result goes to a file (written synchronously), not stdout: a write to a pipe larger than the pipe's
 * buffer is still queued when `process.exit` ends the process, so a large result line (an OpenAPI document,
 * a board) arrived cut. Stdout carries only a short "done" line, and only after its write has been flushed.
 */
const runner = `
const { writeFileSync } = await import('node:fs');
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const importStart = performance.now();
const { handler } = await import(process.env.BUNDLE_URL);
const imported = performance.now();
const deadline = Date.now() + 30000;
const context = {
  functionName: 'fresh-node', functionVersion: '$LATEST', awsRequestId: crypto.randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fresh-node', memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/fresh-node', logStreamName: 'fresh-node', callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const result = await handler(event, context);
const timing = { bootMs: importStart, importMs: imported - importStart, handlerMs: performance.now() - imported };
writeFileSync(process.env.RESULT_FILE, JSON.stringify({ timing, result: result ?? null }));
process.stdout.write('\\n@@DONE@@\\n', () => process.exit(0));
`;

const DONE = '\n@@DONE@@\n';

export interface FreshInvocation {
  // biome-ignore lint/suspicious/noExplicitAny: whatever the handler returned, as JSON; the caller knows its shape
  result: any;
  /** Spawn → the result written and said done on stdout (what a cold start costs the caller), in milliseconds. */
  ms: number;
  /** Inside the process: Node's own start (until the bundle's import began), the import, the first invocation. */
  timing?: { bootMs: number; importMs: number; handlerMs: number };
}

/**
 * Invokes a built bundle's handler in a new Node process whose environment is exactly `env` (plus PATH),
 * as Lambda's first invocation of a new instance would. Resolves once the process has exited.
 */
export function invokeInFreshNode(bundleFile: string, event: unknown, env: Record<string, string>, options: { sourceMaps?: boolean } = {}): Promise<FreshInvocation> {
  const folder = mkdtempSync(join(tmpdir(), 'aiworker-fresh-node-'));
  const resultFile = join(folder, 'result.json');
  return new Promise<FreshInvocation>((resolve, reject) => {
    const started = process.hrtime.bigint();
    let doneMs: number | undefined;
    const args = [...(options.sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', runner];
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env, BUNDLE_URL: pathToFileURL(bundleFile).href, RESULT_FILE: resultFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (doneMs === undefined && stdout.includes(DONE)) doneMs = Number(process.hrtime.bigint() - started) / 1e6;
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0 || doneMs === undefined) return reject(new Error(`${bundleFile} exited with ${code}\n${stderr}\n${stdout}`));
      try {
        const { timing, result } = JSON.parse(readFileSync(resultFile, 'utf8'));
        resolve({ ms: doneMs, result, timing });
      } catch (error) {
        reject(new Error(`${bundleFile} left no readable result: ${(error as Error).message}\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(event));
  }).finally(() => rmSync(folder, { recursive: true, force: true }));
}
