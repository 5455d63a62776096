import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { branchNameProblem, giteaOwnerProblem, giteaRepoProblem } from '../../packages/core/src/schemas/names.js';

/** What git itself says (`git check-ref-format --branch`), where git is installed. */
function gitAccepts(name: string): boolean | undefined {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status === 1 || (error as { status?: number }).status === 128 ? false : undefined;
  }
}

const branches = [
  'main', 'release/2024.1', 'feature/ünïcode', 'task-1a2b3c4d-add-login', 'a.b', 'v1.0', 'x@y',
  'main..x', 'main.lock', 'a/b.lock', '-main', '.hidden', 'release/.hidden', 'a//b', 'main/', '/main', 'a.', '@', 'a@{1}',
  'my branch', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'tab\there', 'del\x7f',
];

describe('branch names follow git check-ref-format --branch', () => {
  it.each(branches)('%j', (name) => {
    const ours = branchNameProblem(name) === undefined;
    // `--branch @` is git's shorthand for the current branch (so git "accepts" it); as a ref name it is refused (rule 9).
    const git = name === '@' ? false : gitAccepts(name);
    if (git !== undefined) expect(ours).toBe(git);
  });
  it('says what is wrong', () => {
    expect(branchNameProblem('main..x')).toMatch(/\.\./);
    expect(branchNameProblem('x'.repeat(256))).toMatch(/255/);
  });
});

describe('Gitea owner and repository names', () => {
  it.each(['acme', 'my-org.team_1', 'A1', 'a'.repeat(40)])('owner %j is fine', (name) => expect(giteaOwnerProblem(name)).toBeUndefined());
  it.each(['', '..', '.', '-acme', '.acme', 'acme-', 'ac--me', 'a._b', 'api', 'Admin', 'me.keys', 'a/b', 'a b', 'a'.repeat(41)])('owner %j is refused', (name) =>
    expect(giteaOwnerProblem(name)).toEqual(expect.any(String)),
  );
  it.each(['shop', '.dotfiles', 'web.site-v2_x', 'a'.repeat(100)])('repo %j is fine', (name) => expect(giteaRepoProblem(name)).toBeUndefined());
  it.each(['', '.', '..', '-', 'a..b', 'shop.git', 'x.WIKI', 'a/b', 'a b', 'ü', 'a'.repeat(101)])('repo %j is refused', (name) =>
    expect(giteaRepoProblem(name)).toEqual(expect.any(String)),
  );
});
