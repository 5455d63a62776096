import * as z from 'zod/mini';
import { IdSchema, NON_EMPTY_PATCH_MESSAGE, TimestampSchema, VersionSchema, described, nonEmptyPatch, pageQueryFields, define } from './common.js';

export const AGENT_STATUSES = ['idle', 'busy', 'offline'] as const;
export const AgentStatusSchema = /* @__PURE__ */ define(() => z.enum(AGENT_STATUSES));
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

/**
 * What an agent token may do over MCP: `read` (its tasks and jobs) and `work` (claim, change state, heartbeat,
 * Gitea jobs). Checked when a tool is called. An agent registered without `scopes` gets both: registering
 * an agent is how a person gives it work; ask for `["read"]` for an observer. `work` includes `read`.
 */
export const AGENT_SCOPES = ['read', 'work'] as const;
export const AgentScopeSchema = /* @__PURE__ */ define(() => z.enum(AGENT_SCOPES));
export type AgentScope = z.infer<typeof AgentScopeSchema>;
const scopes = /* @__PURE__ */ define(() =>
  described(
    z.pipe(
      z.array(AgentScopeSchema).check(z.minLength(1), z.maxLength(2)),
      z.transform((list): AgentScope[] => (list.includes('work') ? ['read', 'work'] : ['read'])),
    ),
    'What the token may do over MCP: read (its tasks and jobs), work (claim, move tasks, Gitea jobs; includes read). Default both',
  ),
);

const name = /* @__PURE__ */ define(() => z.string().check(z.trim(), z.minLength(1), z.maxLength(200)));
const capabilities = /* @__PURE__ */ define(() =>
  z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))).check(z.maxLength(50), z.describe('What the agent can do, e.g. "typescript"')),
);

const agentFields = /* @__PURE__ */ define(() => ({
  id: IdSchema,
  name: z.string(),
  capabilities: z.array(z.string()),
  status: AgentStatusSchema,
  currentTaskId: z.optional(IdSchema),
  scopes: z.optional(described(z.array(AgentScopeSchema), 'What its token may do over MCP (absent: read and work)')),
  lastHeartbeatAt: z.optional(TimestampSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  version: VersionSchema,
}));
export const AgentSchema = /* @__PURE__ */ define(() => z.object(agentFields).check(z.meta({ id: 'Agent' })));
export type Agent = z.infer<typeof AgentSchema>;

/** The stored record also carries the token hash and when the agent was last seen; neither leaves core. */
export interface AgentRecord extends Agent {
  tokenHash: string;
  lastSeenAt: string;
  /** Why the agent lost the task it held, when someone else took it out of its hands: told on its next MCP tool call. */
  notice?: AgentNotice;
}

export interface AgentNotice {
  taskId: string;
  message: string;
  at: string;
}

export const AgentRegisterSchema = /* @__PURE__ */ define(() =>
  z.strictObject({ name, capabilities: z._default(capabilities, []), scopes: z._default(scopes, ['read', 'work']) }).check(z.meta({ id: 'AgentRegister' })),
);
export type AgentRegister = z.infer<typeof AgentRegisterSchema>;

export const AgentRegisteredSchema = /* @__PURE__ */ define(() =>
  z.object({ ...agentFields, token: described(z.string(), 'The agent token; shown once, only its hash is stored') }).check(z.meta({ id: 'AgentRegistered' })),
);

export const AgentUpdateSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({ name: z.optional(name), capabilities: z.optional(capabilities), scopes: z.optional(scopes), version: z.optional(VersionSchema) })
    .check(z.refine(nonEmptyPatch, NON_EMPTY_PATCH_MESSAGE), z.meta({ id: 'AgentUpdate' })),
);
export type AgentUpdate = z.infer<typeof AgentUpdateSchema>;

/** The scopes of an agent's token (agents registered before scopes existed have both). */
export const agentScopes = (agent: Pick<Agent, 'scopes'>): AgentScope[] => agent.scopes ?? ['read', 'work'];

export const AgentListQuerySchema = /* @__PURE__ */ define(() => z.strictObject({ ...pageQueryFields, status: z.optional(AgentStatusSchema) }));
export type AgentListQuery = z.infer<typeof AgentListQuerySchema>;
