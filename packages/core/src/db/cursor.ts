import { InvalidCursorError } from '../errors.js';

/**
 * The list cursor codec: a cursor is a DynamoDB key (or, for a sharded list, one position per shard) as
 * base64url JSON. Pure, so its rules are unit-tested; anything not produced here is an InvalidCursorError.
 */
export type Key = Record<string, string>;

/** Where a sharded list stands in each shard: not started (0), done (1), or after this index key. */
export type ShardPosition = 0 | 1 | Key;

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function parseCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
}

const isKey = (parsed: unknown, allowed: readonly string[]): parsed is Key => {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const entries = Object.entries(parsed as Record<string, unknown>);
  return (
    entries.length === allowed.length &&
    entries.every(([name, value]) => allowed.includes(name) && typeof value === 'string' && value.length > 0 && value.length < 1024)
  );
};

/** A cursor is only ever a key this API produced: anything else is INVALID_CURSOR, never a DynamoDB error. */
export function decodeCursor(cursor: string | undefined, allowed: readonly string[]): Key | undefined {
  if (cursor === undefined) return undefined;
  const parsed = parseCursor(cursor);
  if (!isKey(parsed, allowed)) throw new InvalidCursorError();
  return parsed;
}

/** A cursor belongs to one list: its partition, and a sort key inside the list's key condition. */
export function cursorFits(key: Key, partitionKey: string, sortKey: string, query: { partitionValue: string; sortPrefix?: string; sortBefore?: string }): boolean {
  if (key[partitionKey] !== query.partitionValue) return false;
  if (query.sortPrefix && !key[sortKey].startsWith(query.sortPrefix)) return false;
  if (query.sortBefore && !(key[sortKey] < query.sortBefore)) return false;
  return true;
}

/** The per-shard positions of a sharded list's cursor; each key must sit in its own shard. */
export function decodeShardCursor(cursor: string | undefined, partitionValues: string[], names: string[], partitionKey: string): ShardPosition[] {
  if (cursor === undefined) return partitionValues.map(() => 0);
  const parsed = parseCursor(cursor) as { shards?: unknown } | null;
  const shards = parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length === 1 ? parsed.shards : undefined;
  if (!Array.isArray(shards) || shards.length !== partitionValues.length) throw new InvalidCursorError();
  return shards.map((position, shard) => {
    if (position === 0 || position === 1) return position;
    if (!isKey(position, names) || position[partitionKey] !== partitionValues[shard]) throw new InvalidCursorError();
    return position;
  });
}
