import type { GitCommit, GitRepository } from './git-store.js';

export interface StandInBranch {
  name: string;
  commit: GitCommit;
}

/**
 * A repository's branches as a read-mostly Map view over its real refs: every read asks git, so a push
 * over smart HTTP shows at once. `set` moves a ref to an existing commit (it makes no commit).
 */
export class RepoBranches {
  constructor(private readonly git: GitRepository) {}

  private all(): Map<string, StandInBranch> {
    return new Map([...this.git.branches()].map(([name, commit]) => [name, { name, commit }]));
  }

  get size(): number {
    return this.all().size;
  }

  get(name: string): StandInBranch | undefined {
    const commit = this.git.branch(name);
    return commit ? { name, commit } : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Points `name` at `branch.commit.sha`; throws when the commit does not exist or the name is invalid. */
  set(name: string, branch: { commit: { sha: string } }): this {
    if (!this.git.setBranch(name, branch.commit.sha)) throw new Error(`cannot point branch ${name} at ${branch.commit.sha}`);
    return this;
  }

  delete(name: string): boolean {
    return this.git.deleteBranch(name);
  }

  keys(): IterableIterator<string> {
    return this.all().keys();
  }

  values(): IterableIterator<StandInBranch> {
    return this.all().values();
  }

  entries(): IterableIterator<[string, StandInBranch]> {
    return this.all().entries();
  }

  [Symbol.iterator](): IterableIterator<[string, StandInBranch]> {
    return this.entries();
  }
}
