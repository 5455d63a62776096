import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queue } from '../../../infra/queue.js';
import { table, tableAttributes, type TableIndex } from '../../../infra/table.js';

/** What an index of infra/table.ts copies from the item: its keys, plus the attributes it includes. */
export const projection = (index: TableIndex) =>
  index.include ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: index.include } : { ProjectionType: 'KEYS_ONLY' as const };

/** Creates the table from infra/table.ts when it is missing. Used by `npm start`, the tests and the LocalStack deploy. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'exists';
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
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true } }),
  );
  return 'created';
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
