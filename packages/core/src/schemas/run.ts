import * as z from 'zod/mini';
import { IdSchema, TimestampSchema, described, define } from './common.js';

/**
 * What a run of an agent shows and costs: its live log (batches the runner sends while the coding command
 * runs), the usage its attempts reported, and a project's daily budget.
 */

/** stdout / stderr: the command's own lines; step: a recognised stream-json line (a tool call, a message); note: the runner's. */
export const LOG_STREAMS = ['stdout', 'stderr', 'step', 'note'] as const;
export const LogStreamSchema = /* @__PURE__ */ define(() => described(z.enum(LOG_STREAMS), 'stdout, stderr, step (a tool call or message the command reported), note (from the runner)'));

/** Per line and per batch: one batch is one DynamoDB item (≤ 400 KB), kept well under it. */
export const LOG_LINE_CHARS = 4_000;
export const LOG_BATCH_LINES = 200;
export const LOG_BATCH_CHARS = 64_000;

export const LogEntrySchema = /* @__PURE__ */ define(() =>
  z
    .object({
      at: TimestampSchema,
      attempt: described(z.int(), 'Which run of the coding command (1, 2, …)'),
      stream: LogStreamSchema,
      text: z.string(),
    })
    .check(z.meta({ id: 'LogEntry' })),
);
export type LogEntry = z.infer<typeof LogEntrySchema>;

export const LogLineInputSchema = /* @__PURE__ */ define(() =>
  z.object({
    stream: z._default(LogStreamSchema, 'stdout'),
    text: z.string().check(z.maxLength(LOG_LINE_CHARS)),
    at: z.optional(described(z.iso.datetime(), 'When the line was written (default: when it arrives)')),
  }),
);

export const TaskLogQuerySchema = /* @__PURE__ */ define(() =>
  z.strictObject({
    after: z.optional(described(z.string().check(z.minLength(1), z.maxLength(2000)), 'The cursor of the previous answer: only what came after it')),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100), z.describe('Batches per page (1–100, default 50)')), 50),
  }),
);
export type TaskLogQuery = z.infer<typeof TaskLogQuerySchema>;

export const UsageSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      attempts: described(z.int(), 'Runs of the coding command reported'),
      seconds: described(z.number(), 'Their wall time, summed'),
      inputTokens: z.int(),
      outputTokens: z.int(),
      costUsd: described(z.number(), 'As the coding command reported it (Claude Code: total_cost_usd)'),
    })
    .check(z.meta({ id: 'Usage' })),
);
export type Usage = z.infer<typeof UsageSchema>;

export const emptyUsage = (): Usage => ({ attempts: 0, seconds: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });

export const BudgetSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({
      costUsdPerDay: described(z.number().check(z.gt(0), z.lte(1_000_000)), "Claims of the project's tasks stop once the UTC day's cost reaches this; they resume the next UTC day"),
    })
    .check(z.meta({ id: 'Budget' })),
);
export type Budget = z.infer<typeof BudgetSchema>;

/** Who stopped a running task, and from which agent. */
export const StopRecordSchema = /* @__PURE__ */ define(() =>
  z.object({ by: z.string(), at: TimestampSchema, agentId: z.optional(IdSchema) }),
);
export type StopRecord = z.infer<typeof StopRecordSchema>;

export const AttemptReportSchema = /* @__PURE__ */ define(() =>
  z.object({
    taskId: described(IdSchema, 'The task you hold (or held until a person stopped it)'),
    attempt: described(z.int().check(z.gte(1), z.lte(1000)), 'Which run of the command'),
    attemptId: z.optional(
      described(
        z.string().check(z.minLength(8), z.maxLength(100), z.regex(/^[A-Za-z0-9._:-]+$/)),
        'An id you chose for this run (e.g. a UUID), the same when you send the report again: a run is counted once. Without it, a run is known by the claim and its attempt number',
      ),
    ),
    seconds: described(z.number().check(z.gte(0), z.lte(7 * 24 * 3600)), 'Wall time of the run'),
    exit: described(z.string().check(z.minLength(1), z.maxLength(40)), "How it ended: 'exit 0', 'exit 7', 'timeout', 'stopped'"),
    inputTokens: z.optional(z.int().check(z.gte(0), z.lte(1e12))),
    outputTokens: z.optional(z.int().check(z.gte(0), z.lte(1e12))),
    costUsd: z.optional(z.number().check(z.gte(0), z.lte(1e6))),
  }),
);
export type AttemptReport = z.infer<typeof AttemptReportSchema>;
