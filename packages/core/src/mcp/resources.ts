import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentRecord } from '../schemas/agent.js';
import { getAgentTask, listAgentTasks } from '../services/agent-tasks.js';
import { getProject } from '../services/projects.js';

const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] });

const one = (value: string | string[]) => (Array.isArray(value) ? value[0] : value);

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
    async (uri, { id }) => json(uri, await getAgentTask(agent.id, one(id))),
  );

  server.registerResource(
    'project',
    new ResourceTemplate('aiworker://projects/{id}', { list: undefined }),
    { title: 'Project', description: 'A project: its Gitea owner, repository and default branch, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => json(uri, await getProject(one(id))),
  );
}
