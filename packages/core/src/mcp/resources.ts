import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { isDomainError, type ErrorCode as DomainErrorCode } from '../errors.js';
import type { AgentRecord } from '../schemas/agent.js';
import { getAgentTask, listAgentTasks } from '../services/agent-tasks.js';
import { getProject } from '../services/projects.js';

const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] });

const one = (value: string | string[]) => (Array.isArray(value) ? value[0] : value);

/** Domain errors that are no fault of the request: left to the SDK, which reports an internal error. */
const NOT_THE_CALLERS: ReadonlySet<DomainErrorCode> = new Set(['INTERNAL_ERROR', 'BAD_GATEWAY', 'SERVICE_UNAVAILABLE']);

/**
 * Reads a resource, turning a domain error (unknown id, someone else's task) into a JSON-RPC error the
 * client can act on; the SDK would report it as an internal error.
 */
async function read<T>(uri: URL, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!isDomainError(error) || NOT_THE_CALLERS.has(error.code)) throw error;
    const message = `${error.message} [${error.code}]`;
    throw error.code === 'NOT_FOUND' ? new ResourceNotFoundError(uri.href, message) : new ProtocolError(ProtocolErrorCode.InvalidParams, message);
  }
}

/** `aiworker://tasks/{id}` (tasks assigned to the agent) and `aiworker://projects/{id}`, as JSON. */
export function registerResources(server: McpServer, agent: AgentRecord): void {
  server.registerResource(
    'task',
    new ResourceTemplate('aiworker://tasks/{id}', {
      list: async () => ({
        resources: (await listAgentTasks(agent.id, { limit: 100 })).items.map((task) => ({
          uri: `aiworker://tasks/${task.id}`,
          name: task.title,
          description: `Task in ${task.state}`,
          mimeType: 'application/json',
        })),
      }),
    }),
    { title: 'Task', description: 'A task assigned to you, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => read(uri, async () => json(uri, await getAgentTask(agent.id, one(id)))),
  );

  server.registerResource(
    'project',
    new ResourceTemplate('aiworker://projects/{id}', { list: undefined }),
    { title: 'Project', description: 'A project: its Gitea owner, repository and default branch, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => read(uri, async () => json(uri, await getProject(one(id)))),
  );
}
