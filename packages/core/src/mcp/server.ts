import { McpServer } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { config } from '../config.js';
import type { AgentRecord } from '../schemas/agent.js';
import type { PersonTokenRecord } from '../schemas/person-token.js';
import type { McpCaller } from './caller.js';
import { registerPeopleTools } from './people-tools.js';
import { registerFilingTools } from './filing-tools.js';
import { registerJobTools } from './job-tools.js';
import { registerResources } from './resources.js';
import { rejectInvalidParams } from './request-validation.js';
import { registerRunTools } from './run-tools.js';
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

/** The MCP server for one caller: an agent's tools, or people's tools for a personal token. */
export function createMcpServer(caller: McpCaller): McpServer {
  const server = caller.kind === 'agent' ? agentServer(caller.agent) : peopleServer(caller.token);
  // Whatever transport serves it (either era), params the SDK would misreport are refused as invalid first.
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(transport);
    rejectInvalidParams(transport);
  };
  return server;
}

const PEOPLE_INSTRUCTIONS = `aiworker runs coding agents on tasks. With this personal token you act as yourself: list_questions shows what agents asked and wait for (tasks in needs_input); answer one with answer_question. File work with create_task (dependsOn, parentId) and look at it with list_tasks and get_task.`;

function peopleServer(token: PersonTokenRecord): McpServer {
  const readOnly = token.scope === 'read' ? '\nThis token is read-only: answering and filing need a token with scope write.' : '';
  const server = new McpServer(
    { name: 'aiworker', version: config().version },
    { instructions: PEOPLE_INSTRUCTIONS + readOnly, jsonSchemaValidator: sharedValidator(), cacheHints: CACHE_HINTS },
  );
  registerPeopleTools(server, token);
  return server;
}

/** The server for one calling agent: every tool acts as that agent. */
function agentServer(agent: AgentRecord): McpServer {
  const server = new McpServer(
    { name: 'aiworker', version: config().version },
    { instructions: canWork(agent) ? INSTRUCTIONS : INSTRUCTIONS + READ_ONLY, jsonSchemaValidator: sharedValidator(), cacheHints: CACHE_HINTS },
  );
  registerTaskTools(server, agent);
  registerJobTools(server, agent);
  registerFilingTools(server, agent);
  registerRunTools(server, agent);
  registerResources(server, agent);
  return server;
}
