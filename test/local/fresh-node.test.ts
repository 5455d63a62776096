/**
 * invokeInFreshNode (the cold-start bench and the bundle tests): a handler's whole result comes back however
 * large it is. A result written to stdout just before `process.exit` arrived cut once it outgrew the pipe's
 * buffer, and `npm run bench` crashed in its cold-start section on the JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { invokeInFreshNode } from '../../packages/local/src/fresh-node.js';

const folder = mkdtempSync(join(tmpdir(), 'aiworker-fresh-node-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('invokeInFreshNode', () => {
  it('returns a multi-megabyte result whole, with the timing, even when the handler also logs to stdout', async () => {
    const bundle = join(folder, 'large.mjs');
    writeFileSync(
      bundle,
      `export const handler = async (event) => {
        for (let i = 0; i < 200; i++) console.log(JSON.stringify({ level: 'INFO', message: 'log line ' + i }));
        return { statusCode: 200, body: 'x'.repeat(event.size), tail: 'end' };
      };\n`,
    );
    const size = 4 * 1024 * 1024;
    const invocation = await invokeInFreshNode(bundle, { size }, {});
    expect(invocation.result.body.length).toBe(size);
    expect(invocation.result.tail).toBe('end');
    expect(invocation.ms).toBeGreaterThan(0);
    expect(invocation.timing).toEqual({ bootMs: expect.any(Number), importMs: expect.any(Number), handlerMs: expect.any(Number) });
  });

  it('says which bundle failed when the handler throws', async () => {
    const bundle = join(folder, 'throws.mjs');
    writeFileSync(bundle, `export const handler = async () => { throw new Error('boom in handler'); };\n`);
    await expect(invokeInFreshNode(bundle, {}, {})).rejects.toThrow(/throws\.mjs exited with 1[\s\S]*boom in handler/);
  });
});
