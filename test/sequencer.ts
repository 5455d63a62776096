import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * About how long the slow files take on an idle 2-core machine, in seconds (from `npx vitest run
 * --reporter=json`). Only their order matters: the run takes as long as its busiest fork, so the longest
 * files start first, and the many short ones fill in around them.
 */
const SLOW_FILES: Record<string, number> = {
  'test/fault/property-rest.test.ts': 170,
  'test/fault/property-mcp.test.ts': 120,
  'test/deploy/sst-real.test.ts': 93,
  'test/local/npm-start.test.ts': 61,
  'test/agent/failures.test.ts': 50,
  'test/agent/runner.test.ts': 41,
  'test/fault/throttling.test.ts': 37,
  'test/jobs/failures.test.ts': 33,
  'test/board/cards-and-drawer.test.ts': 32,
  'test/mcp/claim-concurrency.test.ts': 31,
  'test/local/readme.test.ts': 29,
  'test/agent/sandbox.test.ts': 28,
  'test/webhooks/receiver.test.ts': 26,
  'test/board/loop.test.ts': 26,
  'test/agent/runs.test.ts': 25,
  'test/fault/restart.test.ts': 25,
  'test/local/npm-start-restart.test.ts': 24,
  'test/board/npm-start-signin.test.ts': 20,
  'test/jobs/issues.test.ts': 19,
  'test/agent/ci.test.ts': 18,
  'test/api/restart.test.ts': 17,
  'test/fault/integrity.test.ts': 16,
  'test/fault/duplicates.test.ts': 16,
  'test/fault/gitea.test.ts': 15,
  'test/local/migration.test.ts': 15,
  'test/agent/readme-flow.test.ts': 15,
  'test/deploy/bundles.test.ts': 14,
  'test/agent/clone-remote.test.ts': 14,
  'test/webhooks/task-hands.test.ts': 14,
  'test/fault/property-edges.test.ts': 13,
};

/**
 * Longest first, on every run: vitest's own sequencer orders by the durations it cached from the last run
 * in this checkout (node_modules/.vite), and without them (a fresh clone, CI) by file size, which started
 * the longest file, property-rest (a small file), near the end of the run. Here a file's weight is its cached
 * duration when there is one, else the estimate above, else its size (short files last).
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const weight = (spec: TestSpecification) => {
      const path = relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`)?.duration;
      if (cached !== undefined) return cached;
      if (SLOW_FILES[path] !== undefined) return SLOW_FILES[path] * 1000;
      // Unknown files: a few seconds at most; the larger the file, the more it has to do.
      return Math.min(9_000, statSync(spec.moduleId).size / 10);
    };
    const weights = new Map(files.map((spec) => [spec, weight(spec)]));
    return [...files].sort((a, b) => weights.get(b)! - weights.get(a)!);
  }
}
