import {
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
    if (error instanceof ConditionalCheckFailedException) return false;
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
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Runs a transaction. Returns the index of each item whose condition failed (empty on success), so a
 * caller can tell which of its guards lost a race.
 */
export async function transact(items: TransactItem[]): Promise<number[]> {
  try {
    await documentClient().send(new TransactWriteCommand({ TransactItems: items }));
    return [];
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length) return failed;
    }
    throw error;
  }
}
