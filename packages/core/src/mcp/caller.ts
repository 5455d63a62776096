import { isDomainError } from '../errors.js';
import type { AgentRecord } from '../schemas/agent.js';
import type { PersonTokenRecord } from '../schemas/person-token.js';
import { recordAgentActivity } from '../services/agent-tasks.js';
import { authenticateAgent } from '../services/agents.js';
import { authenticatePersonToken, isPersonToken } from '../services/person-tokens.js';
import { canWork } from './tool-policy.js';
import { logger } from '../telemetry.js';

/**
 * Who calls the MCP endpoint, taken from the bearer token (never from arguments): an agent with its token,
 * or a person with one of their personal tokens (people's tools).
 */
export type McpCaller = { kind: 'agent'; agent: AgentRecord } | { kind: 'person'; token: PersonTokenRecord };

/** Why a token was refused: there was none, or it names no one. */
export type McpRefusal = { reason: 'missing' | 'invalid'; message: string };

/** The caller a bearer token names, or why it names no one. */
export async function authenticateMcpCaller(token: string | undefined): Promise<McpCaller | McpRefusal> {
  if (!token) return { reason: 'missing', message: 'Missing bearer token: send Authorization: Bearer <agent token or personal token>' };
  const person = isPersonToken(token);
  try {
    return person ? { kind: 'person', token: await authenticatePersonToken(token) } : { kind: 'agent', agent: await authenticateAgent(token) };
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'UNAUTHORIZED') throw error;
    return { reason: 'invalid', message: person ? 'Unknown or revoked personal token' : 'Unknown or revoked agent token' };
  }
}

export const isMcpCaller = (value: McpCaller | McpRefusal): value is McpCaller => 'kind' in value;

/**
 * A request counts as a sign of life for an agent that works (keeps its lease). A read-only token (an
 * observer) is none. Failures are logged, never the caller's problem.
 */
export async function recordMcpActivity(caller: McpCaller): Promise<void> {
  if (caller.kind !== 'agent') return;
  await recordAgentLiveness(caller.agent);
}

/** The same for an agent; a claim (get_next_task) calls it only when its own writes did not already record it. */
export async function recordAgentLiveness(agent: AgentRecord): Promise<void> {
  if (!canWork(agent)) return;
  await recordAgentActivity(agent).catch((error) => logger.warn(`Could not record activity of agent ${agent.id}`, { error: error as Error }));
}

/**
 * Whether a request body is one `tools/call` of `get_next_task`: the claim writes the agent (lastSeenAt
 * with it), so the endpoint leaves the sign of life to the tool instead of writing it beside the claim.
 */
export function isClaimCall(body: unknown): boolean {
  const message = body as { method?: unknown; params?: { name?: unknown } } | undefined;
  return !!message && !Array.isArray(message) && message.method === 'tools/call' && message.params?.name === 'get_next_task';
}
