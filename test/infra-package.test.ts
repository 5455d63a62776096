/**
 * infra/ is the workspace package @aiworker/infra: the packages and the handlers import it by that name, never
 * by a relative path that climbs out of their own folder to the project's infra/.
 */
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../packages/local/src/handler-loader.js';

const root = projectRoot;
// Node's own resolver (what tsx and esbuild follow too): the package's `exports`, through node_modules.
const resolveFromRoot = createRequire(join(root, 'package.json')).resolve;

describe('@aiworker/infra', () => {
  it('resolves by name to the files of infra/', () => {
    for (const [specifier, file] of [
      ['@aiworker/infra', 'infra/index.ts'],
      ['@aiworker/infra/table', 'infra/table.ts'],
      ['@aiworker/infra/routes', 'infra/routes.ts'],
    ]) {
      expect(relative(root, resolveFromRoot(specifier)), specifier).toBe(file);
    }
  });

  // That packages and handlers import infra/ and each other by name, never by a relative path into another
  // package's folder, is a lint rule (biome.json, noRestrictedImports), run by `npm run lint` in CI.
});
