import * as z from 'zod';
import { AgentSchema } from './agent.js';
import { ProjectSchema } from './project.js';
import { TaskSchema } from './task.js';

export const BoardAgentSchema = AgentSchema.extend({
  lastSeenAt: z.string().optional().describe('When the agent last did anything (MCP call or heartbeat)'),
}).meta({ id: 'BoardAgent' });

/**
 * A task as the board lists it: without its long text (description, lastResponse, feedback), which the
 * board reads with GET /api/tasks/{id} when a person opens the task.
 */
export const BoardTaskSchema = TaskSchema.omit({ description: true, lastResponse: true, feedback: true })
  .extend({
    hasFeedback: z.boolean().describe('The task carries review feedback for the agent (the text is in GET /api/tasks/{id})'),
  })
  .meta({ id: 'BoardTask' });
export type BoardTask = z.infer<typeof BoardTaskSchema>;

export const BoardSchema = z
  .object({
    tasks: z.array(BoardTaskSchema),
    agents: z.array(BoardAgentSchema),
    projects: z.array(ProjectSchema),
    truncated: z.boolean().describe('True when there were more tasks than one board read returns'),
  })
  .meta({ id: 'Board' });
export type Board = z.infer<typeof BoardSchema>;

export const BoardQuerySchema = z.strictObject({});
