import { McpServer } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { config } from '../config.js';
import type { McpCaller } from './caller.js';
import { registerFilingTools } from './filing-tools.js';
import { registerJobTools } from './job-tools.js';
import { registerResources } from './resources.js';
import { rejectInvalidParams } from './request-validation.js';
import { registerTaskTools } from './task-tools.js';
import { canWork } from './tool-policy.js';

const INSTRUCTIONS = `aiworker hands you coding tasks. Loop: get_next_task → work on it (create_branch, commit and push, create_pull_request) → update_task_status ready_to_test → get_next_task again, until it returns no task.
Stuck? update_task_status needs_input with a question, then poll get_task for lastResponse. You hold one task at a time; stay alive with any tool call or heartbeat.
Review happens in Gitea: when a person requests changes, the task comes back to you (get_next_task resumes it) with their text in task.feedback; push to the same branch and move it to ready_to_test again.`;
const READ_ONLY = `
This token is read-only (scope read): get_task, list_my_tasks and get_job work; claiming, moving tasks, heartbeats and Gitea jobs need the work scope.`;

/**
 * One JSON Schema validator for every server in this process. The SDK would build a new Ajv instance
 * (with its formats) for each server, that is for each request here, which costs more than the rest of
 * setting up the server; it only validates elicitation answers, which this server never asks for.
 */
let validator: AjvJsonSchemaValidator | undefined;
const sharedValidator = () => (validator ??= new AjvJsonSchemaValidator());

/**
 * Cache hints for the 2026-07-28 revision's cacheable lists. What a token sees depends on it (an agent's
 * scopes, a person's tools), so a list may be cached by the client that asked, never by a shared cache.
 */
export const CACHE_HINTS = {
  'tools/list': { ttlMs: 300_000, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: 300_000, cacheScope: 'private' },
  'server/discover': { ttlMs: 300_000, cacheScope: 'private' },
} as const;

/** The MCP server for one calling agent: every tool acts as that agent (taken from its token, never from arguments). */
export function createMcpServer(caller: McpCaller): McpServer {
  const { agent } = caller;
  const server = new McpServer(
    { name: 'aiworker', version: config().version },
    { instructions: canWork(agent) ? INSTRUCTIONS : INSTRUCTIONS + READ_ONLY, jsonSchemaValidator: sharedValidator(), cacheHints: CACHE_HINTS },
  );
  registerTaskTools(server, agent);
  registerJobTools(server, agent);
  registerFilingTools(server, agent);
  registerResources(server, agent);
  // Whatever transport serves it (either era), params the SDK would misreport are refused as invalid first.
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(transport);
    rejectInvalidParams(transport);
  };
  return server;
}
