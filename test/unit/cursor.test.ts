import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../packages/core/src/errors.js';
import { cursorFits, decodeCursor, decodeShardCursor, encodeCursor } from '../../packages/core/src/db/cursor.js';

const NAMES = ['pk', 'sk'];
const key = { pk: 'PROJECT#p1', sk: 'TASK#0042' };
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** The error a client gets: a 400 saying the cursor is not one this list returned. */
function refusal(run: () => unknown): InvalidCursorError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidCursorError);
  expect(thrown).toMatchObject({ code: 'INVALID_CURSOR', message: expect.stringMatching(/'cursor'.*not a cursor returned by this list/) });
  return thrown as InvalidCursorError;
}

describe('list cursor codec', () => {
  it('round-trips a key, URL-safe', () => {
    const odd = { pk: 'PROJECT#ü/+?&=', sk: 'TASK#\u0000é' };
    for (const value of [key, odd]) {
      const cursor = encodeCursor(value);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, NAMES)).toEqual(value);
    }
    expect(decodeCursor(undefined, NAMES)).toBeUndefined();
  });

  const good = encodeCursor(key);
  const refused: Array<[string, string]> = [
    ['empty', ''],
    ['not base64', '!!!@@@'],
    ['truncated', good.slice(0, good.length - 5)],
    ['one character changed', `${good.slice(0, 3)}${good[3] === 'A' ? 'B' : 'A'}${good.slice(4)}`],
    ['base64 of plain text', b64('hello')],
    ['JSON null', b64('null')],
    ['JSON array', b64(JSON.stringify(['PROJECT#p1', 'TASK#1']))],
    ['JSON string', b64(JSON.stringify('PROJECT#p1'))],
    ['a key name this list does not use', encodeCursor({ pk: 'PROJECT#p1', gsi1sk: 'TASK#1' })],
    ['a missing key part', encodeCursor({ pk: 'PROJECT#p1' })],
    ['an extra key part', encodeCursor({ ...key, extra: 'x' })],
    ['a number for a key value', encodeCursor({ pk: 'PROJECT#p1', sk: 42 })],
    ['an object for a key value', encodeCursor({ pk: 'PROJECT#p1', sk: { S: 'TASK#1' } })],
    ['an empty key value', encodeCursor({ pk: 'PROJECT#p1', sk: '' })],
    ['a huge key value', encodeCursor({ pk: 'PROJECT#p1', sk: 'x'.repeat(2000) })],
  ];
  it.each(refused)('refuses a cursor that is %s', (_what, cursor) => {
    refusal(() => decodeCursor(cursor, NAMES));
  });

  it('refuses a well-formed key from another list (partition or outside the key condition)', () => {
    const list = { partitionValue: 'PROJECT#p1', sortPrefix: 'TASK#' };
    expect(cursorFits(key, 'pk', 'sk', list)).toBe(true);
    expect(cursorFits({ ...key, pk: 'PROJECT#p2' }, 'pk', 'sk', list)).toBe(false);
    expect(cursorFits({ ...key, sk: 'EVENT#1' }, 'pk', 'sk', list)).toBe(false);
    expect(cursorFits({ ...key, sk: '2026-01-02' }, 'pk', 'sk', { partitionValue: 'PROJECT#p1', sortBefore: '2026-01-01' })).toBe(false);
    expect(cursorFits({ ...key, sk: '2025-12-31' }, 'pk', 'sk', { partitionValue: 'PROJECT#p1', sortBefore: '2026-01-01' })).toBe(true);
  });
});

describe('sharded list cursor', () => {
  const shards = ['STATE#backlog#0', 'STATE#backlog#1', 'STATE#backlog#2'];
  const names = ['pk', 'sk', 'gpk', 'gsk'];
  const at = (shard: number) => ({ pk: `TASK#${shard}`, sk: 'TASK', gpk: shards[shard], gsk: `0090#${shard}` });

  it('round-trips each shard’s position: not started, done, or after a key', () => {
    const positions = [0, 1, at(2)];
    expect(decodeShardCursor(encodeCursor({ shards: positions }), shards, names, 'gpk')).toEqual(positions);
    expect(decodeShardCursor(undefined, shards, names, 'gpk')).toEqual([0, 0, 0]);
  });

  it.each([
    ['the wrong number of shards', { shards: [0, 1] }],
    ['no shards field', { positions: [0, 0, 0] }],
    ['an extra field', { shards: [0, 0, 0], more: true }],
    ['a position that is neither 0, 1 nor a key', { shards: [0, 2, 0] }],
    ['a key from another shard', { shards: [at(1), 0, 0] }],
    ['a key with the wrong names', { shards: [{ pk: 'a', sk: 'b' }, 0, 0] }],
    ['a plain key cursor', { pk: 'TASK#1', sk: 'TASK', gpk: shards[0], gsk: 'x' }],
  ])('refuses a cursor with %s', (_what, value) => {
    refusal(() => decodeShardCursor(encodeCursor(value), shards, names, 'gpk'));
  });

  it('refuses garbage', () => {
    refusal(() => decodeShardCursor('%%%', shards, names, 'gpk'));
    refusal(() => decodeShardCursor(encodeCursor({ shards: [0, 1, at(2)] }).slice(0, -4), shards, names, 'gpk'));
  });
});
