import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { legacyIndexes } from '@aiworker/infra/table';
import type { AgentRecord } from '../schemas/agent.js';
import type { JobRecord } from '../schemas/job.js';
import { agentItem } from './agent-repository.js';
import { jobItem } from './job-repository.js';
import { indexKeys, stripKeys } from './keys.js';
import { isConditionFailed, isTransactionCanceled } from './store.js';
import { projectItem, type ProjectRecord } from './project-repository.js';
import { fromItem, internalOf, taskIndexEntries, taskItem, textItem, textOf, TEXT_FIELDS, withInternal } from './task-repository.js';
import { clockDate } from '../clock.js';

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
            if (!isConditionFailed(error)) throw error;
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

/** Written once every task's text is in its own item; later starts skip the pass. */
const TEXT_MIGRATED = { pk: 'MIGRATION', sk: 'TASK_TEXT' };

/**
 * Moves the long text (description, lastResponse, feedback) of every task item that still carries it into
 * the task's `TEXT` item (and rewrites a task item whose index keys are not what they should be), in one transaction per task guarded by the version it was read at (a task
 * changed meanwhile is read again on the next pass; its change may have moved the text already). Tasks
 * are found through the `all` index (keys only) and read 100 at a time — no Scan. Additive and idempotent;
 * reads tolerate both shapes, so it is safe while the system runs. Marks the table when done; `fresh`
 * (a table just created) is only marked. Returns how many tasks were moved.
 */
export async function migrateTaskText(tableName: string, client: DynamoDBClient, fresh = false): Promise<number> {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const done = await documents.send(new GetCommand({ TableName: tableName, Key: TEXT_MIGRATED, ConsistentRead: true }));
  if (done.Item) return 0;
  let moved = 0;
  for (let pass = 0; !fresh && pass < 5; pass++) {
    let conflicts = 0;
    const all = indexKeys('all');
    let startKey: Raw | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: all.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': all.partitionKey },
          ExpressionAttributeValues: { ':pk': 'TASKS' },
          Limit: 100,
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
      let request: Raw[] = keys;
      while (request.length) {
        const result = await documents.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } } }));
        for (const item of (result.Responses?.[tableName] ?? []) as Raw[]) {
          const task = fromItem(stripKeys(item));
          // Also repaired here: index keys that differ from what today's layout computes (a claim with a
          // projectId used to write PROJECT_STATE#undefined#…, hiding the task from its project's list by state).
          const keysWrong = Object.entries(taskIndexEntries(task)).some(([name, value]) => item[name] !== value);
          const inline = TEXT_FIELDS.some((field) => item[field] !== undefined);
          if (!inline && !keysWrong) continue;
          // Text still inside the item moves out; a task whose text is already out keeps its item's `textFields`.
          const text = inline ? textOf(task) : {};
          const stored = inline ? withInternal(task, { ...internalOf(task), inlineText: undefined, textFields: Object.keys(text) }) : task;
          try {
            await documents.send(
              new TransactWriteCommand({
                TransactItems: [
                  {
                    Put: {
                      TableName: tableName,
                      Item: taskItem(stored),
                      ConditionExpression: 'attribute_exists(pk) AND #version = :version',
                      ExpressionAttributeNames: { '#version': 'version' },
                      ExpressionAttributeValues: { ':version': item.version },
                    },
                  },
                  ...(Object.keys(text).length ? [{ Put: { TableName: tableName, Item: textItem(task.id, text) } }] : []),
                ],
              }),
            );
            moved++;
          } catch (error) {
            if (!isTransactionCanceled(error)) throw error;
            conflicts++;
          }
        }
        request = (result.UnprocessedKeys?.[tableName]?.Keys as Raw[] | undefined) ?? [];
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (conflicts === 0) break;
  }
  await documents.send(new PutCommand({ TableName: tableName, Item: { ...TEXT_MIGRATED, at: clockDate().toISOString(), moved } }));
  documents.destroy?.();
  return moved;
}
