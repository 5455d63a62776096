/**
 * A clone runs on its own: the product never reads `../shared` (what a user's clone does not have), and the
 * Gitea stand-in reads the copy of Gitea's API description the project carries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import { sourceFiles } from '../helpers/source-files.js';
import { GiteaContract, defaultSwaggerPath } from '@aiworker/gitea-standin';

const root = projectRoot;
const productFolders = ['packages', 'functions', 'infra', 'stacks', 'scripts', 'localstack', 'bench'];

describe('a clone is self-contained', () => {
  it('no product file refers to ../shared', () => {
    const offenders = productFolders
      .flatMap((folder) => sourceFiles(join(root, folder), /\.(ts|js|mjs|json|sh)$/))
      .filter((file) => !file.endsWith('.json') || !file.includes('reference'))
      .filter((file) => /\.\.\/shared\b|\/work\/shared\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  it("the Gitea stand-in reads the project's own copy of Gitea's API description", () => {
    expect(relative(root, defaultSwaggerPath())).toBe(join('packages', 'gitea-standin', 'reference', 'gitea-swagger-v1.22.json'));
    const contract = GiteaContract.load();
    expect(contract.version).toMatch(/^1\.22/);
    expect(contract.match('POST', '/repos/acme/shop/branches')?.operation.operationId).toBe('repoCreateBranch');
    const upstream = join(root, '../shared/reference/gitea-swagger-v1.22.json');
    if (existsSync(upstream)) expect(readFileSync(defaultSwaggerPath(), 'utf8')).toBe(readFileSync(upstream, 'utf8'));
  });
});
