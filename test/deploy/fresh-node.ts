import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * What a fresh `node` process runs: import the bundle (nothing else from the project is on hand),
 * call `handler(event, context)` with the event read from stdin, print the result as JSON.
 */
const runner = `
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const { handler } = await import(process.env.BUNDLE_URL);
const deadline = Date.now() + 30000;
const context = {
  functionName: 'bundle-test', functionVersion: '$LATEST', awsRequestId: crypto.randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bundle-test', memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/bundle-test', logStreamName: 'bundle-test', callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const result = await handler(event, context);
process.stdout.write('\\n@@RESULT@@' + JSON.stringify(result ?? null) + '\\n');
process.exit(0);
`;

/** Invokes a built bundle's handler in a new Node process whose environment is exactly `env` (plus PATH). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function invokeInFreshNode(bundleFile: string, event: unknown, env: Record<string, string>): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', runner], {
      env: { PATH: process.env.PATH ?? '', ...env, BUNDLE_URL: pathToFileURL(bundleFile).href },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('@@RESULT@@'));
      if (code !== 0 || !line) return reject(new Error(`${bundleFile} exited with ${code}\n${stderr}\n${stdout}`));
      resolve(JSON.parse(line.slice('@@RESULT@@'.length)));
    });
    child.stdin.end(JSON.stringify(event));
  });
}
