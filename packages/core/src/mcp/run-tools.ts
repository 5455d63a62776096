import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/mini';
import { IdSchema, described } from '../schemas/common.js';
import { AttemptReportSchema, LOG_BATCH_CHARS, LOG_BATCH_LINES, LogLineInputSchema, UsageSchema } from '../schemas/run.js';
import type { AgentRecord } from '../schemas/agent.js';
import { appendTaskLog } from '../services/task-log.js';
import { recordAttempt } from '../services/usage.js';
import { toolResult } from './results.js';
import { annotationsOf, guarded } from './tool-policy.js';
import { toolSchema } from './tool-schema.js';

const AppendLogInput = toolSchema(z.object({
  taskId: described(IdSchema, 'The task you hold'),
  attempt: z.optional(described(z.int().check(z.gte(1), z.lte(1000)), 'Which run of the coding command the lines come from (default 1)')),
  lines: described(z.array(LogLineInputSchema).check(z.maxLength(LOG_BATCH_LINES)), `Up to ${LOG_BATCH_LINES} lines, ${LOG_BATCH_CHARS} characters in all; an empty list only asks whether to stop`),
}));
const AppendLogOutput = toolSchema(z.object({
  stop: described(z.boolean(), 'True when a person stopped the task: end the coding command now (the task is no longer yours)'),
  written: z.int(),
  message: z.string(),
}));
const ReportAttemptOutput = toolSchema(z.object({
  usage: UsageSchema,
  dayCostUsd: z.number(),
  counted: described(z.boolean(), 'False when this run was reported before (same attemptId, or same claim and attempt number): it counts once'),
}));
const ReportAttemptInput = toolSchema(AttemptReportSchema);

/** Tools for a run in progress: its live log (and the Stop it may answer with) and its usage. */
export function registerRunTools(server: McpServer, agent: AgentRecord): void {
  server.registerTool(
    'append_log',
    {
      title: 'Add to the live log of your task',
      description:
        'Adds lines to the live log people watch on the board (GET /api/tasks/{id}/log). Send what the coding command prints, in batches at least every 2 s while it runs ' +
        '(with no lines, it only asks). When the answer has stop: true, a person stopped the task: end the command at once and do not move the task.',
      inputSchema: AppendLogInput,
      outputSchema: AppendLogOutput,
      annotations: annotationsOf('append_log', 'Add to the live log of your task'),
    },
    (input) => guarded(agent, 'append_log', async () => toolResult({ ...(await appendTaskLog(agent.id, input)) })),
  );

  server.registerTool(
    'report_attempt',
    {
      title: 'Report what a run of the coding command took',
      description:
        "After each run of the coding command: its wall time, how it ended and, when the command reported them (Claude Code's stream-json result line: usage, total_cost_usd; Codex's token counts), tokens and cost. " +
        "They add up on the task and its project; a project's daily budget stops claims once reached. " +
        'Send the same attemptId when you send a report again (after a network error): a run counts once.',
      inputSchema: ReportAttemptInput,
      outputSchema: ReportAttemptOutput,
      annotations: annotationsOf('report_attempt', 'Report what a run of the coding command took'),
    },
    (input) => guarded(agent, 'report_attempt', async () => toolResult({ ...(await recordAttempt(agent.id, input)) })),
  );
}
