import { isDomainError } from '../errors.js';
import type { AgentRecord } from '../schemas/agent.js';
import { recordAgentActivity } from '../services/agent-tasks.js';
import { authenticateAgent } from '../services/agents.js';
import { canWork } from './tool-policy.js';

/** Who calls the MCP endpoint, taken from the bearer token (never from arguments). */
export type McpCaller = { kind: 'agent'; agent: AgentRecord };

/** Why a token was refused: there was none, or it names no one. */
export type McpRefusal = { reason: 'missing' | 'invalid'; message: string };

/** The caller a bearer token names, or why it names no one. */
export async function authenticateMcpCaller(token: string | undefined): Promise<McpCaller | McpRefusal> {
  if (!token) return { reason: 'missing', message: 'Missing bearer token: send Authorization: Bearer <agent token>' };
  try {
    return { kind: 'agent', agent: await authenticateAgent(token) };
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'UNAUTHORIZED') throw error;
    return { reason: 'invalid', message: 'Unknown or revoked agent token' };
  }
}

export const isMcpCaller = (value: McpCaller | McpRefusal): value is McpCaller => 'kind' in value;

/**
 * A request counts as a sign of life for an agent that works (keeps its lease). A read-only token (an
 * observer) is none. Failures are logged, never the caller's problem.
 */
export async function recordMcpActivity(caller: McpCaller): Promise<void> {
  if (caller.kind !== 'agent' || !canWork(caller.agent)) return;
  await recordAgentActivity(caller.agent).catch((error) => console.warn(`Could not record activity of agent ${caller.agent.id}`, error));
}
