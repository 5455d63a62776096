import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, isAbsolute } from 'node:path';
import { StartupError } from './emulators/java.js';

/** A taken port, said before anything (DynamoDB Local, the stand-in) is started. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new StartupError(`Port ${port} is already in use. Stop whatever is using it, or start on another port: PORT=3001 npm start`) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One `npm start` per data folder (DynamoDB Local's files are not shared safely): a pid file, refused in
 * one line while its process lives; a stale one (a crash) is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'npm-start.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new StartupError(`Another npm start (pid ${pid}) is using the data folder ${dataDir}; stop it first, or set AIWORKER_DATA_DIR to another folder`);
    }
  }
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}

/** A data folder inside the project is never committed: it gets a `.gitignore` of its own that ignores everything. */
export function ignoreInsideProject(dataDir: string, projectRoot: string): void {
  const inside = relative(projectRoot, dataDir);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return;
  mkdirSync(dataDir, { recursive: true });
  const ignore = join(dataDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# aiworker data (AIWORKER_DATA_DIR): never committed\n*\n');
}
