import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { branchNameProblem } from '../../packages/core/src/schemas/names.js';
import { slugify, taskBranchName } from '../../packages/core/src/services/branch-name.js';

const ID = '1a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d';
const branch = (title: string) => taskBranchName({ id: ID, title });

/** git's own verdict on a branch name, where git is installed. */
function gitAccepts(name: string): boolean | undefined {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
    return true;
  } catch (error) {
    const status = (error as { status?: number }).status;
    return status === 1 || status === 128 ? false : undefined;
  }
}

const titles = [
  'Add login page',
  'Crème brûlée: ÜBER naïve façade',
  'Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３',
  'ﬁx the ﬂow',
  '修复登录 bug',
  '🚀 Launch 🚀 rocket',
  'release/v1.2..lock @{1} ~^:?*[\\ main.lock',
  '   leading and trailing   ',
  '--dashes--everywhere--',
  'x'.repeat(300),
  `${'word '.repeat(7)}and a tail`,
  '',
  '!!!???...',
  '日本語だけ',
  '\t\n',
];

describe('task branch slug', () => {
  it('lowercases, folds accents and keeps single dashes between words', () => {
    expect(slugify('Add login page')).toBe('add-login-page');
    expect(slugify('Crème brûlée: ÜBER naïve façade')).toBe('creme-brulee-uber-naive-facade');
    expect(slugify('Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３')).toBe('fullwidth-abc-123');
    expect(slugify('ﬁx the ﬂow')).toBe('fix-the-flow');
    expect(slugify('修复登录 bug')).toBe('bug');
    expect(slugify('🚀 Launch 🚀 rocket')).toBe('launch-rocket');
    expect(slugify('--dashes--everywhere--')).toBe('dashes-everywhere');
  });

  it('cuts a long title to 40 characters without a dash at the end', () => {
    expect(slugify('x'.repeat(300))).toBe('x'.repeat(40));
    const cut = slugify(`${'word '.repeat(7)}and a tail`);
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(cut).toBe('word-word-word-word-word-word-word-and-a');
    // The 40th character is a dash here: it is dropped rather than left dangling.
    expect(slugify(`${'a'.repeat(39)} b`)).toBe('a'.repeat(39));
  });

  it('a title with no letters or digits gives just task-{shortId}', () => {
    for (const title of ['', '!!!???...', '日本語だけ', '\t\n', '🚀']) expect(branch(title)).toBe('task-1a2b3c4d');
    expect(branch('Add login page')).toBe('task-1a2b3c4d-add-login-page');
  });

  it.each(titles)('the branch for %j is a valid git branch name', (title) => {
    const name = branch(title);
    expect(name).toMatch(/^task-[0-9a-f]{8}(-[a-z0-9]+)*$/);
    expect(name.length).toBeLessThanOrEqual('task-'.length + 8 + 1 + 40);
    expect(branchNameProblem(name)).toBeUndefined();
    const git = gitAccepts(name);
    if (git !== undefined) expect(git).toBe(true);
  });

  it('is stable: the same task always gets the same branch', () => {
    expect(branch('Crème brûlée')).toBe(branch('Crème brûlée'));
    expect(taskBranchName({ id: 'ffffffff-0000-4000-8000-000000000000', title: 'x' })).toBe('task-ffffffff-x');
  });
});
