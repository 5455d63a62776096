import { spawnSync } from 'node:child_process';

export class StartupError extends Error {}

/** DynamoDB Local needs Java 17 or newer; say so plainly when it is missing. */
export function assertJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new StartupError(
      'Java 17 or newer is needed to run DynamoDB Local, and no `java` was found on PATH.\n' +
        'Install it (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`) and try again.',
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major < 17) {
    throw new StartupError(`DynamoDB Local needs Java 17 or newer; found Java ${major || 'of unknown version'}. Install Java 17+ and try again.`);
  }
}
