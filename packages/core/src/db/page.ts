import { BatchGetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../errors.js';
import { cursorFits, decodeCursor, decodeShardCursor, encodeCursor, type Key, type ShardPosition } from './cursor.js';
import type { Page } from '../schemas/common.js';
import { documentClient } from './client.js';
import { KEY_ATTRIBUTES, indexKeys, stripKeys, type IndexName } from './keys.js';

type Raw = Record<string, unknown>;

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
  /** Extra equality filters applied by DynamoDB after the key condition (on attributes the index projects). */
  filters?: Record<string, string>;
  forward?: boolean;
}

const MAX_ROUNDS = 10;

const keyNames = (index?: IndexName) => (index ? indexKeys(index) : { partitionKey: KEY_ATTRIBUTES[0], sortKey: KEY_ATTRIBUTES[1] });
const cursorNames = (index?: IndexName) => {
  const { partitionKey, sortKey } = keyNames(index);
  return index ? [KEY_ATTRIBUTES[0], KEY_ATTRIBUTES[1], partitionKey, sortKey] : [partitionKey, sortKey];
};
const keyOf = (item: Raw, names: string[]): Key => Object.fromEntries(names.map((name) => [name, String(item[name])]));

function queryInput(query: Omit<PageQuery, 'limit' | 'cursor'>): Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'> {
  const { partitionKey, sortKey } = keyNames(query.index);
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
  return {
    TableName: query.tableName,
    IndexName: query.index,
    KeyConditionExpression: keyCondition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    FilterExpression: filterParts.length ? filterParts.join(' AND ') : undefined,
    ScanIndexForward: query.forward ?? true,
  };
}

/**
 * Indexes project keys (and a few attributes) only, so a list reads the items themselves: one
 * BatchGetItem for a page, in index order. An item deleted since the index was read is left out.
 */
export async function hydrate(tableName: string, keys: Raw[]): Promise<Raw[]> {
  if (keys.length === 0) return [];
  const id = (item: Raw) => `${item.pk}\u0000${item.sk}`;
  const found = new Map<string, Raw>();
  // Batches of 100 (BatchGetItem's limit), side by side: a long page (the board reads 1,000 tasks) costs
  // about one round trip, not one per hundred items.
  const batches: Raw[][] = [];
  for (let start = 0; start < keys.length; start += 100) batches.push(keys.slice(start, start + 100));
  await Promise.all(
    batches.map(async (batch) => {
      let request: Raw[] | undefined = batch.map((item) => ({ pk: item.pk, sk: item.sk }));
      for (let round = 0; request && request.length > 0; round++) {
        const result = await documentClient().send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } } }));
        for (const item of (result.Responses?.[tableName] ?? []) as Raw[]) found.set(id(item), item);
        request = result.UnprocessedKeys?.[tableName]?.Keys as Raw[] | undefined;
        if (request?.length) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
      }
    }),
  );
  return keys.flatMap((key) => (found.has(id(key)) ? [found.get(id(key))!] : []));
}

/** Index keys of one Query page (keeps reading while a filter thins the page); not yet hydrated. */
async function queryKeys(query: PageQuery, startKey: Key | undefined) {
  const input = queryInput(query);
  const items: Raw[] = [];
  let more = false;
  let lastKey = startKey;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const request = { ...input, Limit: query.limit + 1 - items.length, ExclusiveStartKey: lastKey };
    const result = await documentClient()
      .send(new QueryCommand(request))
      .catch((error: unknown) => {
        // DynamoDB refusing the start key ("provided starting key is invalid / outside query boundaries"):
        // the client's cursor, so INVALID_CURSOR, never an internal error.
        if (request.ExclusiveStartKey && (error as { name?: string }).name === 'ValidationException') throw new InvalidCursorError();
        throw error;
      });
    items.push(...((result.Items ?? []) as Raw[]));
    lastKey = result.LastEvaluatedKey as Key | undefined;
    if (items.length > query.limit) {
      more = true;
      break;
    }
    if (!lastKey) break;
    if (round === MAX_ROUNDS - 1) more = true;
  }
  return { items, more, lastKey };
}

/** One page of a Query. Keeps reading while a filter thins the page, so pages are full when more items exist. */
export async function queryPage<T>(query: PageQuery): Promise<Page<T>> {
  const names = cursorNames(query.index);
  const { partitionKey, sortKey } = keyNames(query.index);
  const startKey = decodeCursor(query.cursor, names);
  // A cursor belongs to one list: its partition, and a sort key inside the list's key condition.
  if (startKey && !cursorFits(startKey, partitionKey, sortKey, query)) throw new InvalidCursorError();

  const { items, more, lastKey } = await queryKeys(query, startKey);
  const pageItems = items.slice(0, query.limit);
  let cursor: string | undefined;
  if (more) {
    const last = pageItems.at(-1);
    cursor = last ? encodeCursor(keyOf(last, names)) : lastKey && encodeCursor(lastKey);
  }
  const full = query.index ? await hydrate(query.tableName, pageItems) : pageItems;
  return { items: full.map((item) => stripKeys<T>(item)), cursor };
}

export interface ShardedQuery {
  tableName: string;
  index: IndexName;
  /** One partition-key value per shard, e.g. `TASK_STATE#backlog#0` … `#7`. */
  partitionValues: string[];
  limit: number;
  cursor?: string;
  forward?: boolean;
}

/**
 * One page of a list spread over shards, in the index's sort order as if it were one partition: each
 * shard is read from where the cursor left it (side by side), the results merged, the first `limit`
 * taken. The cursor records each shard's position, so pages never skip or repeat an item.
 */
export async function queryShardedPage<T>(query: ShardedQuery): Promise<Page<T>> {
  const names = cursorNames(query.index);
  const { partitionKey, sortKey } = keyNames(query.index);
  const positions = decodeShardCursor(query.cursor, query.partitionValues, names, partitionKey);
  const forward = query.forward ?? true;

  const reads = await Promise.all(
    query.partitionValues.map(async (partitionValue, shard) => {
      const position = positions[shard];
      if (position === 1) return { items: [] as Raw[], more: false };
      const { items, more } = await queryKeys({ ...query, partitionValue }, position === 0 ? undefined : position);
      return { items: items.slice(0, query.limit), more: more || items.length > query.limit };
    }),
  );
  const order = (a: Raw, b: Raw) => {
    const bySort = String(a[sortKey]).localeCompare(String(b[sortKey]));
    return (forward ? bySort : -bySort) || String(a.pk).localeCompare(String(b.pk));
  };
  const merged = reads.flatMap((read, shard) => read.items.map((item) => ({ item, shard }))).sort((a, b) => order(a.item, b.item));
  const taken = merged.slice(0, query.limit);

  const next: ShardPosition[] = reads.map((read, shard) => {
    const mine = taken.filter((entry) => entry.shard === shard);
    if (positions[shard] === 1) return 1;
    if (mine.length === read.items.length && !read.more) return 1;
    return mine.length ? keyOf(mine.at(-1)!.item, names) : positions[shard];
  });
  const cursor = next.every((position) => position === 1) ? undefined : encodeCursor({ shards: next });
  const full = await hydrate(query.tableName, taken.map((entry) => entry.item));
  return { items: full.map((item) => stripKeys<T>(item)), cursor };
}
