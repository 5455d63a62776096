import * as z from 'zod';
import { IdSchema, NON_EMPTY_PATCH_MESSAGE, PageQuerySchema, TimestampSchema, VersionSchema, nonEmptyPatch } from './common.js';

export const AGENT_STATUSES = ['idle', 'busy', 'offline'] as const;
export const AgentStatusSchema = z.enum(AGENT_STATUSES);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

/**
 * What an agent token may do over MCP: `read` (its tasks and jobs) and `work` (claim, change state, heartbeat,
 * Gitea jobs). Checked when a tool is called. An agent registered without `scopes` gets both: registering
 * an agent is how a person gives it work; ask for `["read"]` for an observer. `work` includes `read`.
 */
export const AGENT_SCOPES = ['read', 'work'] as const;
export const AgentScopeSchema = z.enum(AGENT_SCOPES);
export type AgentScope = z.infer<typeof AgentScopeSchema>;
const scopes = z
  .array(AgentScopeSchema)
  .min(1)
  .max(2)
  .transform((list): AgentScope[] => (list.includes('work') ? ['read', 'work'] : ['read']))
  .describe('What the token may do over MCP: read (its tasks and jobs), work (claim, move tasks, Gitea jobs; includes read). Default both');

const name = z.string().trim().min(1).max(200);
const capabilities = z.array(z.string().trim().min(1).max(100)).max(50).describe('What the agent can do, e.g. "typescript"');

export const AgentSchema = z
  .object({
    id: IdSchema,
    name: z.string(),
    capabilities: z.array(z.string()),
    status: AgentStatusSchema,
    currentTaskId: IdSchema.optional(),
    scopes: z.array(AgentScopeSchema).optional().describe('What its token may do over MCP (absent: read and work)'),
    lastHeartbeatAt: TimestampSchema.optional(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema,
  })
  .meta({ id: 'Agent' });
export type Agent = z.infer<typeof AgentSchema>;

/** The stored record also carries the token hash and when the agent was last seen; neither leaves core. */
export interface AgentRecord extends Agent {
  tokenHash: string;
  lastSeenAt: string;
}

export const AgentRegisterSchema = z
  .strictObject({ name, capabilities: capabilities.default([]), scopes: scopes.default(['read', 'work']) })
  .meta({ id: 'AgentRegister' });
export type AgentRegister = z.infer<typeof AgentRegisterSchema>;

export const AgentRegisteredSchema = AgentSchema.extend({
  token: z.string().describe('The agent token; shown once, only its hash is stored'),
}).meta({ id: 'AgentRegistered' });

export const AgentUpdateSchema = z
  .strictObject({ name: name.optional(), capabilities: capabilities.optional(), scopes: scopes.optional(), version: VersionSchema.optional() })
  .refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE)
  .meta({ id: 'AgentUpdate' });
export type AgentUpdate = z.infer<typeof AgentUpdateSchema>;

/** The scopes of an agent's token (agents registered before scopes existed have both). */
export const agentScopes = (agent: Pick<Agent, 'scopes'>): AgentScope[] => agent.scopes ?? ['read', 'work'];

export const AgentListQuerySchema = PageQuerySchema.extend({ status: AgentStatusSchema.optional() });
export type AgentListQuery = z.infer<typeof AgentListQuerySchema>;
