/**
 * A copy of the project's stacks, sst.config.ts and infra/ with deliberate mistakes, for the negative tests.
 * The stacks import infra/ by path, so they read the copy; code that imports `@aiworker/infra` by name
 * (core, functions) reads the project's own through node_modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { projectRoot } from '../../../scripts/sst-platform.js';

export interface Mistake {
  file: string;
  replace: string;
  with: string;
}

export function brokenCopy(name: string, mistakes: Mistake[]): string {
  const root = path.join(os.tmpdir(), `aiworker-sst-broken-${name}-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  for (const entry of ['sst.config.ts', 'stacks', 'infra']) fs.cpSync(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  for (const entry of ['functions', 'packages', 'node_modules']) fs.symlinkSync(path.join(projectRoot, entry), path.join(root, entry));
  for (const mistake of mistakes) {
    const file = path.join(root, mistake.file);
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(mistake.replace)) throw new Error(`${mistake.file} no longer contains ${JSON.stringify(mistake.replace)}: update the mistake`);
    fs.writeFileSync(file, text.replace(mistake.replace, mistake.with));
  }
  return root;
}
