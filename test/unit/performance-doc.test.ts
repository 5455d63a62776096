import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { performanceDoc } from '../../bench/docs.js';
import { projectRoot } from '../../packages/local/src/handler-loader.js';

const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8');

describe('docs/performance.md', () => {
  it('is what npm run bench:docs makes from bench/results.json (regenerate it after a bench run)', () => {
    const results = JSON.parse(read('bench/results.json'));
    expect(read('docs/performance.md')).toBe(performanceDoc(results, read('bench/performance-template.md')));
  });

  it('shows every figure of bench/results.json, and fills every placeholder', () => {
    const doc = read('docs/performance.md');
    for (const figure of JSON.parse(read('bench/results.json')).figures) expect(doc).toContain(`| ${figure.name} | ${figure.value} |`);
    expect(doc).not.toMatch(/\{\{\w+\}\}/);
  });

  it('refuses a template placeholder it does not know', () => {
    expect(() => performanceDoc(JSON.parse(read('bench/results.json')), '# P\n{{nothing}}\n')).toThrow(/\{\{nothing\}\}/);
  });
});
