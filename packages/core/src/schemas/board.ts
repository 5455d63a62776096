import * as z from 'zod';
import { AgentSchema } from './agent.js';
import { ProjectSchema } from './project.js';
import { TaskSchema } from './task.js';

export const BoardAgentSchema = AgentSchema.extend({
  lastSeenAt: z.string().optional().describe('When the agent last did anything (MCP call or heartbeat)'),
}).meta({ id: 'BoardAgent' });

export const BoardSchema = z
  .object({
    tasks: z.array(TaskSchema),
    agents: z.array(BoardAgentSchema),
    projects: z.array(ProjectSchema),
    truncated: z.boolean().describe('True when there were more tasks than one board read returns'),
  })
  .meta({ id: 'Board' });
export type Board = z.infer<typeof BoardSchema>;

export const BoardQuerySchema = z.strictObject({});
