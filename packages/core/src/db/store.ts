import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { config } from '../config.js';
import { documentClient } from './client.js';
import { stripKeys } from './keys.js';

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const tableName = (): string => config().tableName;

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

/** DynamoDB's names for "too many requests right now": the SDK retries these itself, up to its max attempts. */
const THROTTLING_NAMES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'Throttling', 'TooManyRequestsException']);

/**
 * How DynamoDB's errors are read, in one place: by class or, for an error that crossed a module copy of the
 * SDK, by name. Repositories turn them into answers (false, undefined, a failed guard's index); only
 * throttling and transaction conflicts reach the edges, which map them (functions/lib/errors.ts, mcp/results.ts).
 */
const named = (error: unknown, name: string): boolean => (error as { name?: string } | undefined)?.name === name;

/** A conditional write whose condition did not hold. */
export const isConditionFailed = (error: unknown): boolean => error instanceof ConditionalCheckFailedException || named(error, 'ConditionalCheckFailedException');

/** A transaction DynamoDB cancelled, for whatever reason (a failed guard, another writer, throttling). */
export const isTransactionCanceled = (error: unknown): boolean => error instanceof TransactionCanceledException || named(error, 'TransactionCanceledException');

const cancellationCodes = (error: unknown): string[] =>
  isTransactionCanceled(error) ? ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') : [];

/** A transaction cancelled only because of other transactions or throttling, not because a guard failed. */
const onlyCodes = (codes: string[], allowed: string[]) =>
  codes.some((code) => allowed.includes(code)) && codes.every((code) => code === 'None' || allowed.includes(code));

/**
 * DynamoDB (or its per-item transaction limit) throttled the call, beyond what the SDK retried: a
 * transient condition the caller should retry after a moment, never a 500.
 */
export function isThrottlingError(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (THROTTLING_NAMES.has(name)) return true;
  const codes = cancellationCodes(error);
  return codes.length > 0 && onlyCodes(codes, ['ThrottlingError', 'TransactionConflict']) && codes.includes('ThrottlingError');
}

/** Another transaction was changing the same items at the same moment (DynamoDB cancels one of them). */
export function isTransactionConflict(error: unknown): boolean {
  return onlyCodes(cancellationCodes(error), ['TransactionConflict']);
}

/** Tries of a transaction that keeps colliding with others or being throttled, before giving up. */
const TRANSACT_ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a transaction. Returns the index of each item whose condition failed (empty on success), so a
 * caller can tell which of its guards lost a race.
 *
 * A transaction DynamoDB cancelled only because another one touched the same items (TransactionConflict)
 * or because it was throttled wrote nothing: it is tried again (bounded, with jittered backoff). If it
 * still cannot go through, the last error is thrown; the API maps it to 409 (conflict) or 503 (throttled).
 */
export async function transact(items: TransactItem[]): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      await documentClient().send(new TransactWriteCommand({ TransactItems: items }));
      return [];
    } catch (error) {
      if (isTransactionCanceled(error)) {
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
        if (failed.length) return failed;
      }
      // Plain throttling was already retried by the SDK; a cancelled transaction is not, so retry it here.
      const transient = onlyCodes(cancellationCodes(error), ['TransactionConflict', 'ThrottlingError']);
      if (!transient || attempt >= TRANSACT_ATTEMPTS) throw error;
      // Full jitter on a doubling window (10, 20, 40… ms): colliding writers spread out instead of colliding again.
      await sleep(Math.random() * 10 * 2 ** (attempt - 1));
    }
  }
}
