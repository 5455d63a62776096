import * as z from 'zod/mini';
import { described , define } from './common.js';
import { AgentSchema } from './agent.js';
import { ProjectSchema } from './project.js';
import { TaskSchema } from './task.js';

export const BoardAgentSchema = /* @__PURE__ */ define(() => z
  .object({
    ...AgentSchema.shape,
    lastSeenAt: z.optional(described(z.string(), 'When the agent last did anything (MCP call or heartbeat)')),
  })
  .check(z.meta({ id: 'BoardAgent' })));

export const BoardSchema = /* @__PURE__ */ define(() => z
  .object({
    tasks: z.array(TaskSchema),
    agents: z.array(BoardAgentSchema),
    projects: z.array(ProjectSchema),
    truncated: described(z.boolean(), 'True when there were more tasks than one board read returns'),
  })
  .check(z.meta({ id: 'Board' })));
export type Board = z.infer<typeof BoardSchema>;

export const BoardQuerySchema = /* @__PURE__ */ define(() => z.strictObject({}));
