import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Script sources: TypeScript and JavaScript, declaration files left out. */
export const SCRIPT_FILES = /(?<!\.d)\.(ts|tsx|mts|js|mjs)$/;

/**
 * The files under `dir` whose name matches `pattern`, for the tests that read the project's own sources;
 * installed packages, build output and hidden folders (`.sst`, …) are left out.
 */
export function sourceFiles(dir: string, pattern: RegExp = SCRIPT_FILES): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path, pattern);
    return pattern.test(name) ? [path] : [];
  });
}
