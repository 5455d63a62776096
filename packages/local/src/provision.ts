import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { queue } from '@aiworker/infra/queue';
import { legacyIndexes, table, tableAttributes, type TableIndex } from '@aiworker/infra/table';
import { migrateLegacyItems, migrateTaskText } from '@aiworker/core/db/migrate';

/** What an index of infra/table.ts copies from the item: its keys, plus the attributes it includes. */
export const projection = (index: TableIndex) =>
  index.include ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: index.include } : { ProjectionType: 'KEYS_ONLY' as const };

/**
 * Creates the table from infra/table.ts when it is missing; on a table made by an earlier layout, adds
 * the indexes it lacks (one at a time, as DynamoDB requires) and moves its items over (db/migrate.ts).
 * Used by `npm start`, the tests, the LocalStack deploy and `scripts/migrate.ts`.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists' | 'migrated'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    await ensureTimeToLive(client, tableName);
    return (await ensureIndexes(client, tableName, (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!))) ? 'migrated' : 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: tableAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: projection(index),
      })),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  await ensureTimeToLive(client, tableName);
  await migrateTaskText(tableName, client, true);
  return 'created';
}

/** Turns on the table's TTL attribute (sessions, pending sign-ins) when a table, new or older, lacks it. */
async function ensureTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl?.AttributeName === table.timeToLiveAttribute && (ttl.TimeToLiveStatus === 'ENABLED' || ttl.TimeToLiveStatus === 'ENABLING')) return;
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true } }),
  );
}

/**
 * Adds every index of infra/table.ts the table lacks (additive: existing indexes stay) and waits until
 * each is ACTIVE (DynamoDB backfills it from the items). Then moves items of the first layout over.
 * Returns whether anything had to change.
 */
export async function ensureIndexes(client: DynamoDBClient, tableName: string, existing: string[]): Promise<boolean> {
  const missing = table.indexes.filter((index) => !existing.includes(index.name));
  for (const index of missing) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [index.partitionKey, index.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: projection(index),
            },
          },
        ],
      }),
    );
    await waitForIndex(client, tableName, index.name);
  }
  const moved = existing.includes(legacyIndexes[0].name) ? await migrateLegacyItems(tableName, client) : 0;
  // Then every task's long text into its own item (once per table; see migrateTaskText).
  const textMoved = await migrateTaskText(tableName, client);
  return missing.length > 0 || moved > 0 || textMoved > 0;
}

async function waitForIndex(client: DynamoDBClient, tableName: string, name: string): Promise<void> {
  for (let waited = 0; ; waited += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const index = Table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === name);
    if (index?.IndexStatus === 'ACTIVE' && Table?.TableStatus === 'ACTIVE') return;
    if (waited > 14_400) throw new Error(`Index ${name} of table ${tableName} is still ${index?.IndexStatus} after an hour`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface Queues {
  queueUrl: string;
  queueArn: string;
  deadLetterUrl: string;
  deadLetterArn: string;
}

/** Creates the job queue and its DLQ (with the redrive policy of infra/queue.ts); CreateQueue is idempotent. */
export async function ensureQueues(client: SQSClient, prefix = ''): Promise<Queues> {
  const arnOf = async (url: string) =>
    (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const dlq = await client.send(
    new CreateQueueCommand({ QueueName: `${prefix}${queue.deadLetterName}`, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const deadLetterArn = await arnOf(dlq.QueueUrl!);
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${queue.name}`,
      Attributes: {
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: String(queue.maxReceiveCount) }),
      },
    }),
  );
  return { queueUrl: main.QueueUrl!, queueArn: await arnOf(main.QueueUrl!), deadLetterUrl: dlq.QueueUrl!, deadLetterArn };
}
