import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { legacyIndexes } from '../../../../infra/table.js';
import type { AgentRecord } from '../schemas/agent.js';
import type { JobRecord } from '../schemas/job.js';
import { agentItem } from './agent-repository.js';
import { jobItem } from './job-repository.js';
import { stripKeys } from './keys.js';
import { projectItem, type ProjectRecord } from './project-repository.js';
import { fromItem, taskItem } from './task-repository.js';

type Raw = Record<string, unknown>;

/**
 * Where the first layout (gsi1…gsi5) kept every entity, and how each is written in today's layout. The
 * old indexes are read, never scanned: every project, task and agent was in a gsi1 collection and every
 * job in a gsi2 status partition.
 */
const SOURCES: Array<{ index: string; partition: string; rewrite: (item: Raw) => Raw }> = [
  { index: 'gsi1', partition: 'PROJECTS', rewrite: (item) => projectItem(stripKeys<ProjectRecord>(item)) },
  { index: 'gsi1', partition: 'TASKS', rewrite: (item) => taskItem(fromItem(stripKeys(item))) },
  { index: 'gsi1', partition: 'AGENTS', rewrite: (item) => agentItem(stripKeys<AgentRecord>(item)) },
  ...['queued', 'running', 'succeeded', 'failed'].map((status) => ({
    index: 'gsi2',
    partition: `JOB_STATUS#${status}`,
    rewrite: (item: Raw) => jobItem(stripKeys<JobRecord>(item)),
  })),
];

/**
 * Moves every item of the first layout to today's keys: the item is written again with the new index
 * keys and without the old ones (so it leaves the old indexes). Additive and idempotent — an item
 * already moved is in no old index any more, and each write is guarded by the version it was read at
 * (an item changed meanwhile is read again on the next pass). Safe while the system runs.
 * Returns how many items were moved.
 */
export async function migrateLegacyItems(tableName: string, client: DynamoDBClient): Promise<number> {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let moved = 0;
  for (let pass = 0; pass < 5; pass++) {
    let movedThisPass = 0;
    let conflicts = 0;
    for (const source of SOURCES) {
      const keys = legacyIndexes.find((index) => index.name === source.index)!;
      let startKey: Raw | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: source.index,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': keys.partitionKey },
            ExpressionAttributeValues: { ':pk': source.partition },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of (page.Items ?? []) as Raw[]) {
          try {
            await documents.send(
              new PutCommand({
                TableName: tableName,
                Item: source.rewrite(item),
                ConditionExpression: 'attribute_exists(pk) AND #version = :version',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': item.version },
              }),
            );
            movedThisPass++;
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            conflicts++;
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    moved += movedThisPass;
    if (conflicts === 0) break;
  }
  documents.destroy?.();
  return moved;
}
