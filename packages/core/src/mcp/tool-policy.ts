import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { runTool, withNotice } from './results.js';
import { ForbiddenError } from '../errors.js';
import { agentScopes, type AgentRecord, type AgentScope } from '../schemas/agent.js';

/**
 * What each tool does, for well-behaved clients (MCP tool annotations), and the token scope it needs.
 * - readOnlyHint: changes nothing.
 * - destructiveHint: may do what the agent cannot undo (hand a task on, give it up).
 * - idempotentHint: calling again with the same arguments changes nothing more.
 * - openWorldHint: reaches outside aiworker (Gitea).
 */
export const TOOL_POLICY = {
  get_next_task: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } },
  update_task_status: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false } },
  get_task: { scope: 'read', annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } },
  list_my_tasks: { scope: 'read', annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } },
  heartbeat: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } },
  create_branch: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } },
  create_pull_request: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } },
  create_task: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } },
  append_log: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } },
  report_attempt: { scope: 'work', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } },
  get_job: { scope: 'read', annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } },
} as const satisfies Record<string, { scope: AgentScope; annotations: ToolAnnotations }>;

export type ToolName = keyof typeof TOOL_POLICY;

/** The tool's annotations, with its title (the spec's annotations carry a title too). */
export const annotationsOf = (tool: ToolName, title: string): ToolAnnotations => ({ title, ...TOOL_POLICY[tool].annotations });

/** Refuses a tool the calling token's scopes do not cover: checked on every call, whatever tools/list showed. */
export function requireScope(agent: AgentRecord, tool: ToolName): void {
  const needed = TOOL_POLICY[tool].scope;
  const have = agentScopes(agent);
  if (have.includes(needed)) return;
  throw new ForbiddenError(
    `${tool} needs the '${needed}' scope; this agent token has ${have.map((scope) => `'${scope}'`).join(', ')}. ` +
      `A person can grant it: PATCH /api/agents/${agent.id} {"scopes":["read","work"]}`,
  );
}

export const canWork = (agent: AgentRecord): boolean => agentScopes(agent).includes('work');

/**
 * Runs a tool body for the agent once its token's scopes allow the tool; a refusal is a tool error result.
 * A notice waiting for the agent (a person took its task out of its hands) is added to the result.
 */
export async function guarded(agent: AgentRecord, tool: ToolName, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  const result = await runTool(async () => {
    requireScope(agent, tool);
    return body();
  });
  return agent.notice ? withNotice(agent, agent.notice, result) : result;
}
