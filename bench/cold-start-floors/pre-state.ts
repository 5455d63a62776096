import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { table } from '../../infra/table.js';

type Key = Record<string, AttributeValue>;
/** An item a recorded call wrote, as it was just before that call: `item` undefined when it did not exist. */
export interface PriorItem {
  tableName: string;
  key: Key;
  item: Key | undefined;
}

const keyOf = (item: Key): Key => ({ [table.partitionKey]: item[table.partitionKey], [table.sortKey]: item[table.sortKey] });

/** The items a DynamoDB call (its X-Amz-Target and JSON body on the wire) writes, by table and key. */
export function writtenKeys(target: string, body: any): Array<{ tableName: string; key: Key }> {
  const operation = target.split('.').pop();
  switch (operation) {
    case 'PutItem':
      return [{ tableName: body.TableName, key: keyOf(body.Item) }];
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ tableName: body.TableName, key: body.Key }];
    case 'TransactWriteItems':
      return (body.TransactItems ?? []).flatMap((entry: any) => {
        if (entry.Put) return [{ tableName: entry.Put.TableName, key: keyOf(entry.Put.Item) }];
        const write = entry.Update ?? entry.Delete;
        return write ? [{ tableName: write.TableName, key: write.Key }] : [];
      });
    case 'BatchWriteItem':
      return Object.entries(body.RequestItems ?? {}).flatMap(([tableName, requests]) =>
        (requests as any[]).map((request) => ({ tableName, key: request.PutRequest ? keyOf(request.PutRequest.Item) : request.DeleteRequest.Key })),
      );
    default:
      return [];
  }
}

/**
 * Reads, just before a recorded write is forwarded, every item it is about to write (consistent reads), so
 * its floor can start from the same state: a floor that replays a write whose condition no longer holds (the
 * version it expected has moved on, the item it creates exists now) does a refused write, which costs
 * DynamoDB less than the write the function made.
 */
export async function readPriorItems(client: DynamoDBClient, target: string, body: unknown): Promise<PriorItem[]> {
  return Promise.all(
    writtenKeys(target, body).map(async ({ tableName, key }) => {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      return { tableName, key, item: Item };
    }),
  );
}

/** Puts every item back as it was before the recorded writes (the earliest state of each, when written twice). */
export async function restorePriorItems(client: DynamoDBClient, prior: PriorItem[]): Promise<void> {
  const first = new Map<string, PriorItem>();
  for (const entry of prior) {
    const id = `${entry.tableName} ${JSON.stringify(entry.key)}`;
    if (!first.has(id)) first.set(id, entry);
  }
  await Promise.all(
    [...first.values()].map(({ tableName, key, item }) =>
      item ? client.send(new PutItemCommand({ TableName: tableName, Item: item })) : client.send(new DeleteItemCommand({ TableName: tableName, Key: key })),
    ),
  );
}
