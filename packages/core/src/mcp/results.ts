import type { CallToolResult } from '@modelcontextprotocol/server';
import { isDomainError } from '../errors.js';
import { isThrottlingError, isTransactionConflict } from '../db/store.js';
import { forgetNotice } from '../services/agent-tasks.js';
import type { AgentNotice, AgentRecord } from '../schemas/agent.js';
import { logger } from '../telemetry.js';

/** A successful tool result: the structured content, and the same as JSON text for clients that only read text. */
export function toolResult(structured: Record<string, unknown>, options: { isError?: boolean } = {}): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }],
    structuredContent: structured,
    ...(options.isError ? { isError: true } : {}),
  };
}

/**
 * A failed tool call as a tool result (`isError`), with a message the agent can act on. Domain errors
 * keep their message and code; anything else is logged and reported without internals.
 */
export function toolError(error: unknown): CallToolResult {
  if (isDomainError(error)) {
    const text = `${error.message} [${error.code}]`;
    return { content: [{ type: 'text', text }], isError: true };
  }
  if (isThrottlingError(error)) {
    const text = 'The database is busy right now and nothing was changed; retry this tool call in a second [SERVICE_UNAVAILABLE]';
    return { content: [{ type: 'text', text }], isError: true };
  }
  if (isTransactionConflict(error)) {
    const text = 'The same records were being changed by other requests at this moment and nothing was changed; retry this tool call [CONFLICT]';
    return { content: [{ type: 'text', text }], isError: true };
  }
  logger.error('MCP tool failed', { error: error as Error });
  return { content: [{ type: 'text', text: 'Internal error while running the tool; try again in a moment' }], isError: true };
}

/**
 * The result with the agent's notice added as a text part after the result's own (every client reads
 * text; a client that parses the first part as JSON still can), and the notice forgotten once told. Forgetting it may fail (a newer notice came, or the database is busy): then the
 * agent is told again on its next call, which is better than never.
 */
export async function withNotice(agent: AgentRecord, notice: AgentNotice, result: CallToolResult): Promise<CallToolResult> {
  await forgetNotice(agent.id, notice).catch((error: unknown) => logger.warn(`Could not clear the notice of agent ${agent.id}`, { error: error as Error }));
  return { ...result, content: [...result.content, { type: 'text', text: `Notice: ${notice.message}` }] };
}

/** Runs a tool body and turns whatever it throws into a tool error result. */
export async function runTool(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return toolError(error);
  }
}
