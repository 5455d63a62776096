/**
 * infra/ is the workspace package @aiworker/infra: the packages and the handlers import it by that name, never
 * by a relative path that climbs out of their own folder to the project's infra/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../packages/local/src/handler-loader.js';
import { sourceFiles } from './helpers/source-files.js';

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

  it('is imported by name from packages/ and functions/, never by a path into infra/', () => {
    const offenders = ['packages', 'functions']
      .flatMap((folder) => sourceFiles(join(root, folder)))
      .filter((file) => /(?:from|import)\s*\(?\s*['"](?:\.\.\/)+infra\//.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  it("is the rule for every workspace package: none reaches into another's src/ by a relative path", () => {
    const offenders = sourceFiles(join(root, 'packages'))
      .filter((file) => /(?:from|import)\s*\(?\s*['"](?:\.\.\/)+(?:packages\/)?(?:core|local|board|agent|gitea-standin)\/src\//.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
