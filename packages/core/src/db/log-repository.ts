import { QueryCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../errors.js';
import type { LogEntry } from '../schemas/run.js';
import { documentClient } from './client.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { deletePrefixed, tableName } from './store.js';
import { taskPk } from './task-repository.js';
import { table } from '@aiworker/infra/table';

/**
 * A task's live log: one item per batch the runner (or the agent) sent, in the task's own partition
 * (`TASK#<id>`, sk `LOG#<arrival time>#<random>`), so the writes spread over tasks like the tasks do and a
 * reader follows one partition in order with a Query. Every item carries the table's TTL attribute: DynamoDB
 * deletes it after the retention time at no cost.
 */
const LOG_PREFIX = 'LOG#';

export interface LogBatch {
  attempt: number;
  lines: Array<{ at: string; stream: LogEntry['stream']; text: string }>;
}

const logSk = (at: string) => `${LOG_PREFIX}${at}#${Math.random().toString(36).slice(2, 10)}`;

export const logRepository = {
  append: async (taskId: string, at: string, batch: LogBatch, retentionDays: number): Promise<void> => {
    const expires = Math.floor(Date.parse(at) / 1000) + Math.round(retentionDays * 86_400);
    await documentClient().send(
      new PutCommand({ TableName: tableName(), Item: { pk: taskPk(taskId), sk: logSk(at), attempt: batch.attempt, lines: batch.lines, [table.timeToLiveAttribute]: expires } }),
    );
  },

  /** Batches after `after` (a cursor this returned), oldest first, as entries; the cursor to ask with next time. */
  read: async (taskId: string, after: string | undefined, limit: number): Promise<{ entries: LogEntry[]; cursor: string }> => {
    const from = decodeCursor(after, ['sk']);
    if (from && !from.sk.startsWith(LOG_PREFIX)) throw new InvalidCursorError();
    const result = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: from ? 'pk = :pk AND sk BETWEEN :after AND :end' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: from ? { ':pk': taskPk(taskId), ':after': `${from.sk}\u0000`, ':end': `${LOG_PREFIX}\uffff` } : { ':pk': taskPk(taskId), ':prefix': LOG_PREFIX },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const items = result.Items ?? [];
    const entries = items.flatMap((item) => ((item.lines ?? []) as LogBatch['lines']).map((line) => ({ at: line.at, attempt: Number(item.attempt ?? 1), stream: line.stream, text: line.text })));
    const last = items.at(-1)?.sk as string | undefined;
    return { entries, cursor: last ? encodeCursor({ sk: last }) : (after ?? encodeCursor({ sk: LOG_PREFIX })) };
  },

  /** Deletes a (deleted) task's log now rather than when its TTL comes. */
  deleteAll: async (taskId: string): Promise<void> => {
    await deletePrefixed(taskPk(taskId), LOG_PREFIX);
  },
};
