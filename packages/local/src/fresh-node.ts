import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * What a fresh `node` process runs: read the event from stdin, import the bundle (nothing else from the
 * project is on hand), call `handler(event, context)` once with a Lambda-like context, print the result.
 */
const runner = `
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
const timing = JSON.stringify({ bootMs: importStart, importMs: imported - importStart, handlerMs: performance.now() - imported });
process.stdout.write('\\n@@TIMING@@' + timing + '\\n@@RESULT@@' + JSON.stringify(result ?? null) + '\\n');
process.exit(0);
`;

const MARK = '@@RESULT@@';
const TIMING = '@@TIMING@@';

export interface FreshInvocation {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: any;
  /** Spawn → the result line on stdout (what a cold start costs the caller), in milliseconds. */
  ms: number;
  /** Inside the process: Node's own start (until the bundle's import began), the import, the first invocation. */
  timing?: { bootMs: number; importMs: number; handlerMs: number };
}

/**
 * Invokes a built bundle's handler in a new Node process whose environment is exactly `env` (plus PATH),
 * as Lambda's first invocation of a new instance would. Resolves once the process has exited.
 */
export function invokeInFreshNode(bundleFile: string, event: unknown, env: Record<string, string>, options: { sourceMaps?: boolean } = {}): Promise<FreshInvocation> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let answered: FreshInvocation | undefined;
    const args = [...(options.sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', runner];
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env, BUNDLE_URL: pathToFileURL(bundleFile).href },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (answered) return;
      const at = stdout.indexOf(MARK);
      const end = at < 0 ? -1 : stdout.indexOf('\n', at);
      if (end < 0) return;
      const timingAt = stdout.lastIndexOf(TIMING, at);
      const timing = timingAt < 0 ? undefined : JSON.parse(stdout.slice(timingAt + TIMING.length, stdout.indexOf('\n', timingAt)));
      answered = { ms: Number(process.hrtime.bigint() - started) / 1e6, result: JSON.parse(stdout.slice(at + MARK.length, end)), timing };
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0 || !answered) return reject(new Error(`${bundleFile} exited with ${code}\n${stderr}\n${stdout}`));
      resolve(answered);
    });
    child.stdin.end(JSON.stringify(event));
  });
}
