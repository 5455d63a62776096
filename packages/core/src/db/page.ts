import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../errors.js';
import type { Page } from '../schemas/common.js';
import { documentClient } from './client.js';
import { KEY_ATTRIBUTES, indexKeys, stripKeys, type IndexName } from './keys.js';

type Key = Record<string, string>;

export function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor is only ever a key this API produced: anything else is a 400, never a DynamoDB error. */
export function decodeCursor(cursor: string | undefined, allowed: readonly string[]): Key | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidCursorError();
  const entries = Object.entries(parsed as Record<string, unknown>);
  const valid =
    entries.length === allowed.length &&
    entries.every(([name, value]) => allowed.includes(name) && typeof value === 'string' && value.length > 0 && value.length < 1024);
  if (!valid) throw new InvalidCursorError();
  return parsed as Key;
}

function cursorFits(key: Key, partitionKey: string, sortKey: string, query: PageQuery): boolean {
  if (key[partitionKey] !== query.partitionValue) return false;
  if (query.sortPrefix && !key[sortKey].startsWith(query.sortPrefix)) return false;
  if (query.sortBefore && !(key[sortKey] < query.sortBefore)) return false;
  return true;
}

export interface PageQuery {
  tableName: string;
  index?: IndexName;
  partitionValue: string;
  /** Only items whose sort key begins with this. */
  sortPrefix?: string;
  /** Only items whose sort key sorts before this (exclusive); not together with `sortPrefix`. */
  sortBefore?: string;
  limit: number;
  cursor?: string;
  /** Extra equality filters applied by DynamoDB after the key condition. */
  filters?: Record<string, string>;
  forward?: boolean;
}

const MAX_ROUNDS = 10;

/** One page of a Query. Keeps reading while a filter thins the page, so pages are full when more items exist. */
export async function queryPage<T>(query: PageQuery): Promise<Page<T>> {
  const { partitionKey, sortKey } = query.index
    ? indexKeys(query.index)
    : { partitionKey: KEY_ATTRIBUTES[0], sortKey: KEY_ATTRIBUTES[1] };
  const cursorAttributes = query.index ? [KEY_ATTRIBUTES[0], KEY_ATTRIBUTES[1], partitionKey, sortKey] : [partitionKey, sortKey];
  let startKey: Key | undefined = decodeCursor(query.cursor, cursorAttributes);
  // A cursor belongs to one list: its partition, and a sort key inside the list's key condition.
  if (startKey && !cursorFits(startKey, partitionKey, sortKey, query)) throw new InvalidCursorError();

  const names: Record<string, string> = { '#pk': partitionKey };
  const values: Record<string, string> = { ':pk': query.partitionValue };
  let keyCondition = '#pk = :pk';
  if (query.sortPrefix) {
    names['#sk'] = sortKey;
    values[':sk'] = query.sortPrefix;
    keyCondition += ' AND begins_with(#sk, :sk)';
  } else if (query.sortBefore) {
    names['#sk'] = sortKey;
    values[':sk'] = query.sortBefore;
    keyCondition += ' AND #sk < :sk';
  }
  const filterParts = Object.entries(query.filters ?? {}).map(([name, value], index) => {
    names[`#f${index}`] = name;
    values[`:f${index}`] = value;
    return `#f${index} = :f${index}`;
  });

  const items: Record<string, unknown>[] = [];
  let more = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const input: QueryCommandInput = {
      TableName: query.tableName,
      IndexName: query.index,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      FilterExpression: filterParts.length ? filterParts.join(' AND ') : undefined,
      Limit: query.limit + 1 - items.length,
      ExclusiveStartKey: startKey,
      ScanIndexForward: query.forward ?? true,
    };
    const result = await documentClient()
      .send(new QueryCommand(input))
      .catch((error: unknown) => {
        // DynamoDB refusing the start key ("provided starting key is invalid / outside query boundaries"):
        // the client's cursor, so a 400, never a 500.
        if (input.ExclusiveStartKey && (error as { name?: string }).name === 'ValidationException') throw new InvalidCursorError();
        throw error;
      });
    items.push(...((result.Items ?? []) as Record<string, unknown>[]));
    startKey = result.LastEvaluatedKey as Key | undefined;
    if (items.length > query.limit) {
      more = true;
      break;
    }
    if (!startKey) break;
    if (round === MAX_ROUNDS - 1) more = true;
  }

  const pageItems = items.slice(0, query.limit);
  let cursor: string | undefined;
  if (more) {
    const last = pageItems.at(-1);
    cursor = last
      ? encodeCursor(Object.fromEntries(cursorAttributes.map((name) => [name, String(last[name])])))
      : startKey && encodeCursor(startKey);
  }
  return { items: pageItems.map((item) => stripKeys<T>(item)), cursor };
}
