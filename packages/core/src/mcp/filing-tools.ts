import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/mini';
import type { AgentRecord } from '../schemas/agent.js';
import { TaskSchema, taskCreateFields } from '../schemas/task.js';
import { fileAgentTask } from '../services/agent-tasks.js';
import { toolResult } from './results.js';
import { toolSchema } from './tool-schema.js';
import { annotationsOf, guarded } from './tool-policy.js';

/** The fields an agent gives; the project is the one of the task it holds. */
const { projectId: _project, ...createFields } = taskCreateFields;
const CreateTaskInput = toolSchema(z.strictObject(createFields));
const CreateTaskOutput = toolSchema(z.object({ task: TaskSchema, message: z.string() }));

/** `create_task`: an agent files a follow-up or a subtask in the project of the task it holds. */
export function registerFilingTools(server: McpServer, agent: AgentRecord): void {
  server.registerTool(
    'create_task',
    {
      title: 'File a follow-up or subtask',
      description:
        'File a new task in the project of the task you hold: a follow-up you noticed, or a subtask (parentId: your task). ' +
        'It goes to the backlog for any agent, recorded as filed by you. dependsOn lists tasks of the same project that must be done ' +
        '(approved, staging or production) before it can be claimed.',
      inputSchema: CreateTaskInput,
      outputSchema: CreateTaskOutput,
      annotations: annotationsOf('create_task', 'File a follow-up or subtask'),
    },
    (input) =>
      guarded(agent, 'create_task', async () => {
        const task = await fileAgentTask(agent.id, input);
        const waiting = task.openDependencies ? ` It waits for ${task.openDependencies} unfinished dependencies.` : '';
        return toolResult({ task, message: `Filed task ${task.id} ('${task.title}') in the backlog of project ${task.projectId}.${waiting}` });
      }),
  );
}
