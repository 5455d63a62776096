import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { table } from '@aiworker/infra/table';
import { documentClient } from './client.js';
import { tableName } from './store.js';

/**
 * Attempts per client address per fixed window, shared by every function instance: one item per
 * (what, address, window), counted up atomically with ADD (one UpdateItem, never one item per attempt),
 * and deleted by the table's TTL once the window is over.
 */
export const rateLimitRepository = {
  /** Counts one attempt; returns the count in this window, this one included. */
  hit: async (what: string, address: string, windowStart: number, windowSeconds: number): Promise<number> => {
    const result = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: `RATE#${what}#${address}`, sk: `WINDOW#${windowStart}` },
        UpdateExpression: 'ADD hits :one SET #ttl = if_not_exists(#ttl, :expires)',
        ExpressionAttributeNames: { '#ttl': table.timeToLiveAttribute },
        ExpressionAttributeValues: { ':one': 1, ':expires': windowStart + windowSeconds * 2 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.hits ?? 1);
  },
};
