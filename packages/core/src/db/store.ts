import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { tableNameSetting } from '../config.js';
import { documentClient } from './client.js';
import { failedConditions, isConditionFailed } from './errors.js';
import { stripKeys } from './keys.js';
import { retry } from './retry.js';

export { isConditionFailed, isThrottlingError, isTransactionCanceled, isTransactionConflict } from './errors.js';

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const tableName = (): string => tableNameSetting();

export async function getItem<T>(pk: string, sk: string): Promise<T | undefined> {
  const result = await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk, sk }, ConsistentRead: true }));
  return result.Item ? stripKeys<T>(result.Item) : undefined;
}

/**
 * A Put that only succeeds when the stored item still has `expectedVersion` (or, with `undefined`,
 * when no item exists yet). Returns false when the condition failed.
 */
export async function putVersioned(item: Item, expectedVersion: number | undefined): Promise<boolean> {
  try {
    await documentClient().send(new PutCommand(versionedPut(item, expectedVersion).Put!));
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

export function versionedPut(item: Item, expectedVersion: number | undefined, extraCondition?: { expression: string; values?: Item; names?: Record<string, string> }): TransactItem {
  const condition = expectedVersion === undefined ? 'attribute_not_exists(pk)' : '#version = :expectedVersion';
  return {
    Put: {
      TableName: tableName(),
      Item: item,
      ConditionExpression: extraCondition ? `(${condition}) AND (${extraCondition.expression})` : condition,
      ExpressionAttributeNames: expectedVersion === undefined && !extraCondition?.names ? undefined : { ...(expectedVersion === undefined ? {} : { '#version': 'version' }), ...extraCondition?.names },
      ExpressionAttributeValues:
        expectedVersion === undefined && !extraCondition?.values ? undefined : { ...(expectedVersion === undefined ? {} : { ':expectedVersion': expectedVersion }), ...extraCondition?.values },
    },
  };
}

export function versionedDelete(pk: string, sk: string, expectedVersion: number): TransactItem {
  return {
    Delete: {
      TableName: tableName(),
      Key: { pk, sk },
      ConditionExpression: '#version = :expectedVersion',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expectedVersion': expectedVersion },
    },
  };
}

export async function deleteVersioned(pk: string, sk: string, expectedVersion: number): Promise<boolean> {
  try {
    await documentClient().send(new DeleteCommand(versionedDelete(pk, sk, expectedVersion).Delete!));
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deletes items by key, 25 to a batch, until DynamoDB has processed every one (unconditional: for children of a deleted parent). */
export async function deleteKeys(keys: Array<{ pk: string; sk: string }>): Promise<void> {
  for (let start = 0; start < keys.length; start += 25) {
    let requests: Array<{ DeleteRequest: { Key: Record<string, unknown> } }> = keys.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 0; requests.length > 0; round++) {
      const result = await documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }));
      requests = (result.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
      if (requests.length) await sleep(Math.min(1000, 20 * 2 ** round));
    }
  }
}

/**
 * Deletes every item of partition `pk` whose sort key begins with `prefix` (a task's events, log lines, attempt
 * marks): a Query of keys only, page by page, each page deleted in batches. Returns how many were deleted.
 */
export async function deletePrefixed(pk: string, prefix: string): Promise<number> {
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (page.Items ?? []) as Array<{ pk: string; sk: string }>;
    await deleteKeys(keys);
    deleted += keys.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}

/**
 * Runs a transaction. Returns the index of each item whose condition failed (empty on success), so a
 * caller can tell which of its guards lost a race.
 *
 * A transaction DynamoDB cancelled only because another one touched the same items (TransactionConflict)
 * or because it was throttled wrote nothing: it is tried again within the request's one retry budget
 * (db/retry.ts: jittered backoff, 6 tries, shared with the loop around it). If it still cannot go through,
 * the last error is thrown; the edges map it (a conflict, or busy: retry).
 */
export function transact(items: TransactItem[]): Promise<number[]> {
  return retry({ attempts: 1 }, async () => {
    try {
      await documentClient().send(new TransactWriteCommand({ TransactItems: items }));
      return [];
    } catch (error) {
      const failed = failedConditions(error);
      if (failed.length) return failed;
      throw error;
    }
  });
}
