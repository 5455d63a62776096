import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { table } from '@aiworker/infra/table';
import { emptyUsage, type AttemptReport, type Usage } from '../schemas/run.js';
import { documentClient } from './client.js';
import { projectPk } from './keys.js';
import { deletePrefixed, tableName, type TransactItem } from './store.js';
import { TASK_SK, taskPk } from './task-repository.js';
import { clockDate, clockMs } from '../clock.js';

/**
 * Usage counters. A task's `usage` sits in its item (a read-modify-write guarded by its version, as every
 * task write is); a project's totals are counters in its item (`usage*`, atomic ADD, no read); the day's
 * cost of a project is an item of its own, `PROJECT#<id> / COST#<yyyy-mm-dd>` (atomic ADD; gone by TTL
 * after DAY_ITEM_DAYS), which the claim reads to enforce the project's budget. Each counted attempt leaves a
 * mark, `TASK#<id> / ATTEMPT#<key>` (gone by TTL after MARK_DAYS, or with its task), written in the same
 * transaction as the counters on the condition that it is new: a report sent again counts once.
 */
const DAY_ITEM_DAYS = 40;
const MARK_DAYS = 7;
const ATTEMPT_PREFIX = 'ATTEMPT#';
const ttlIn = (days: number) => Math.floor(clockMs() / 1000) + days * 86_400;
export const PROJECT_USAGE_ATTRIBUTES = {
  attempts: 'usageAttempts',
  seconds: 'usageSeconds',
  inputTokens: 'usageInputTokens',
  outputTokens: 'usageOutputTokens',
  costUsd: 'usageCostUsd',
} as const satisfies Record<keyof Usage, string>;

const daySk = (day: string) => `COST#${day}`;

export const utcDay = (at: Date = clockDate()): string => at.toISOString().slice(0, 10);

export const addedUsage = (usage: Usage | undefined, report: AttemptReport): Usage => {
  const base = usage ?? emptyUsage();
  return {
    attempts: base.attempts + 1,
    seconds: round(base.seconds + report.seconds, 3),
    inputTokens: base.inputTokens + (report.inputTokens ?? 0),
    outputTokens: base.outputTokens + (report.outputTokens ?? 0),
    costUsd: round(base.costUsd + (report.costUsd ?? 0), 6),
  };
};
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A project record's counters as `usage` (undefined when nothing was reported yet). */
export function projectUsageOf(record: Record<string, unknown>): Usage | undefined {
  if (record[PROJECT_USAGE_ATTRIBUTES.attempts] === undefined) return undefined;
  const usage = emptyUsage();
  for (const [field, attribute] of Object.entries(PROJECT_USAGE_ATTRIBUTES)) usage[field as keyof Usage] = round(Number(record[attribute] ?? 0), 6);
  return usage;
}

export const usageRepository = {
  /** The task's new usage, if the task is still at `version` (a transaction item). */
  taskUsageUpdate: (taskId: string, usage: Usage, version: number, at: string): TransactItem => ({
    Update: {
      TableName: tableName(),
      Key: { pk: taskPk(taskId), sk: TASK_SK },
      UpdateExpression: 'SET #usage = :usage, version = version + :one, updatedAt = :at',
      ConditionExpression: 'version = :version',
      ExpressionAttributeNames: { '#usage': 'usage' },
      ExpressionAttributeValues: { ':usage': usage, ':one': 1, ':version': version, ':at': at },
    },
  }),

  /** The mark of a counted attempt; its condition fails when the attempt was counted before. */
  attemptMark: (taskId: string, key: string, at: string): TransactItem => ({
    Put: {
      TableName: tableName(),
      Item: { pk: taskPk(taskId), sk: `${ATTEMPT_PREFIX}${key}`, at, [table.timeToLiveAttribute]: ttlIn(MARK_DAYS) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }),

  /** Adds an attempt to the project's totals, if the project still exists (a transaction item). */
  projectUsageAdd: (projectId: string, report: AttemptReport): TransactItem => {
    const a = PROJECT_USAGE_ATTRIBUTES;
    return {
      Update: {
        TableName: tableName(),
        Key: { pk: projectPk(projectId), sk: 'PROJECT' },
        UpdateExpression: `ADD ${a.attempts} :one, ${a.seconds} :seconds, ${a.inputTokens} :in, ${a.outputTokens} :out, ${a.costUsd} :cost, version :one`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1, ':seconds': report.seconds, ':in': report.inputTokens ?? 0, ':out': report.outputTokens ?? 0, ':cost': report.costUsd ?? 0 },
      },
    };
  },

  /** Adds to the project's cost of `day` (a transaction item). */
  dayCostAdd: (projectId: string, day: string, costUsd: number): TransactItem => ({
    Update: {
      TableName: tableName(),
      Key: { pk: projectPk(projectId), sk: daySk(day) },
      UpdateExpression: 'ADD costUsd :cost SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': table.timeToLiveAttribute },
      ExpressionAttributeValues: { ':cost': costUsd, ':ttl': Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + DAY_ITEM_DAYS * 86_400 },
    },
  }),

  /** Deletes a (deleted) task's attempt marks now rather than when their TTL comes. */
  deleteAttemptMarks: async (taskId: string): Promise<void> => {
    await deletePrefixed(taskPk(taskId), ATTEMPT_PREFIX);
  },

  dayCost: async (projectId: string, day: string): Promise<number> => {
    const result = await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk: projectPk(projectId), sk: daySk(day) }, ConsistentRead: true }));
    return Number(result.Item?.costUsd ?? 0);
  },
};
