import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { table } from '@aiworker/infra/table';
import { emptyUsage, type AttemptReport, type Usage } from '../schemas/run.js';
import { documentClient } from './client.js';
import { projectPk } from './keys.js';
import { isConditionFailed, tableName } from './store.js';
import type { TaskEvent } from '../schemas/task.js';
import { TASK_SK, taskEventItem, taskPk } from './task-repository.js';

/**
 * Usage counters. A task's `usage` sits in its item (a read-modify-write guarded by its version, as every
 * task write is); a project's totals are counters in its item (`usage*`, atomic ADD, no read); the day's
 * cost of a project is an item of its own, `PROJECT#<id> / COST#<yyyy-mm-dd>` (atomic ADD; gone by TTL
 * after DAY_ITEM_DAYS), which the claim reads to enforce the project's budget.
 */
const DAY_ITEM_DAYS = 40;
export const PROJECT_USAGE_ATTRIBUTES = {
  attempts: 'usageAttempts',
  seconds: 'usageSeconds',
  inputTokens: 'usageInputTokens',
  outputTokens: 'usageOutputTokens',
  costUsd: 'usageCostUsd',
} as const satisfies Record<keyof Usage, string>;

const daySk = (day: string) => `COST#${day}`;

export const utcDay = (at: Date = new Date()): string => at.toISOString().slice(0, 10);

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
  /** Sets the task's usage if the task is still at `version`; false when it moved on. */
  setTaskUsage: async (taskId: string, usage: Usage, version: number, at: string): Promise<boolean> => {
    try {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: taskPk(taskId), sk: TASK_SK },
          UpdateExpression: 'SET #usage = :usage, version = version + :one, updatedAt = :at',
          ConditionExpression: 'version = :version',
          ExpressionAttributeNames: { '#usage': 'usage' },
          ExpressionAttributeValues: { ':usage': usage, ':one': 1, ':version': version, ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  },

  /** Adds an attempt to the project's totals (atomic; its version moves, so a stale whole-item write fails and reads again). */
  addProjectUsage: async (projectId: string, report: AttemptReport): Promise<void> => {
    const a = PROJECT_USAGE_ATTRIBUTES;
    try {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: projectPk(projectId), sk: 'PROJECT' },
          UpdateExpression: `ADD ${a.attempts} :one, ${a.seconds} :seconds, ${a.inputTokens} :in, ${a.outputTokens} :out, ${a.costUsd} :cost, version :one`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1, ':seconds': report.seconds, ':in': report.inputTokens ?? 0, ':out': report.outputTokens ?? 0, ':cost': report.costUsd ?? 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The project is gone: nothing to total.
    }
  },

  /** Adds to the project's cost of `day`; returns the day's cost after it. */
  addDayCost: async (projectId: string, day: string, costUsd: number): Promise<number> => {
    const expires = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + DAY_ITEM_DAYS * 86_400;
    const result = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: projectPk(projectId), sk: daySk(day) },
        UpdateExpression: 'ADD costUsd :cost SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': table.timeToLiveAttribute },
        ExpressionAttributeValues: { ':cost': costUsd, ':ttl': expires },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.costUsd ?? 0);
  },

  putEvent: async (event: TaskEvent): Promise<void> => {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: taskEventItem(event) }));
  },

  dayCost: async (projectId: string, day: string): Promise<number> => {
    const result = await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk: projectPk(projectId), sk: daySk(day) } }));
    return Number(result.Item?.costUsd ?? 0);
  },
};
