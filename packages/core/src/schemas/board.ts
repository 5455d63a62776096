import * as z from 'zod/mini';
import { described, define } from './common.js';
import { AgentSchema } from './agent.js';
import { ProjectSchema } from './project.js';
import { TaskSchema } from './task.js';

export const BoardAgentSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      ...AgentSchema.shape,
      lastSeenAt: z.optional(described(z.string(), 'When the agent last did anything (MCP call or heartbeat)')),
    })
    .check(z.meta({ id: 'BoardAgent' })),
);

/**
 * A task as the board lists it: without its long text (description, lastResponse, feedback), which the
 * board reads with GET /api/tasks/{id} when a person opens the task.
 */
export const BoardTaskSchema = /* @__PURE__ */ define(() => {
  const { description: _description, lastResponse: _lastResponse, feedback: _feedback, ...listed } = TaskSchema.shape;
  return z
    .object({
      ...listed,
      hasFeedback: described(z.boolean(), 'The task carries review feedback for the agent (the text is in GET /api/tasks/{id})'),
    })
    .check(z.meta({ id: 'BoardTask' }));
});
export type BoardTask = z.infer<typeof BoardTaskSchema>;

export const BoardSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      tasks: z.array(BoardTaskSchema),
      agents: z.array(BoardAgentSchema),
      projects: z.array(ProjectSchema),
      truncated: described(z.boolean(), 'True when there were more tasks than one board read returns'),
    })
    .check(z.meta({ id: 'Board' })),
);
export type Board = z.infer<typeof BoardSchema>;

export const BoardQuerySchema = /* @__PURE__ */ define(() => z.strictObject({}));
