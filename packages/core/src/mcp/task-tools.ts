import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/mini';
import { clockDate } from '../clock.js';
import { config } from '../config.js';
import { AgentSchema, type AgentRecord } from '../schemas/agent.js';
import { IdSchema, described } from '../schemas/common.js';
import { ProjectSchema } from '../schemas/project.js';
import { TaskSchema, TaskStateSchema } from '../schemas/task.js';
import { AGENT_TARGET_STATES, getAgentTask, listAgentTasks, updateAgentTaskStatus } from '../services/agent-tasks.js';
import { heartbeat } from '../services/agents.js';
import { claimNextTask } from '../services/claim.js';
import { recordAgentLiveness } from './caller.js';
import { toolResult } from './results.js';
import { toolSchema } from './tool-schema.js';
import { annotationsOf, guarded } from './tool-policy.js';

// Schemas are built once per process, not per request (the server is created for every request, and
// building zod schemas is most of what that costs).
const trimmed = z.string().check(z.trim(), z.minLength(1), z.maxLength(10_000));
const GetNextTaskInput = toolSchema(z.object({ projectId: z.optional(described(IdSchema, 'Only claim a task of this project')) }));
const GetNextTaskOutput = toolSchema(z.object({
  task: described(z.nullable(TaskSchema), 'The task you now hold, or null when none is waiting'),
  project: z.optional(ProjectSchema),
  resumed: z.optional(described(z.boolean(), 'True when this is the task you already held')),
  message: z.string(),
}));
const UpdateTaskStatusInput = toolSchema(z.object({
  taskId: described(IdSchema, 'The task you hold'),
  state: described(TaskStateSchema, `The new state: ${AGENT_TARGET_STATES.join(', ')}`),
  question: z.optional(described(trimmed, 'Required with needs_input: what you need a person to answer')),
  note: z.optional(described(trimmed, 'Why, for the task history')),
  hold: z.optional(described(z.boolean(), 'With backlog: you give the task up (it keeps failing); it waits for a person to retry it instead of going to the next agent')),
}));
const UpdateTaskStatusOutput = toolSchema(z.object({ task: TaskSchema, message: z.string() }));
const GetTaskInput = toolSchema(z.object({ taskId: IdSchema }));
const GetTaskOutput = toolSchema(z.object({ task: TaskSchema }));
const ListMyTasksInput = toolSchema(z.object({
  state: z.optional(TaskStateSchema),
  limit: z.optional(z.int().check(z.gte(1), z.lte(100), z.describe('Tasks per page (default 25)'))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000), z.describe('cursor from the previous page'))),
}));
const ListMyTasksOutput = toolSchema(z.object({ tasks: z.array(TaskSchema), cursor: z.optional(z.string()), currentTaskId: z.optional(IdSchema) }));
const NoInput = toolSchema(z.object({}));
const HeartbeatOutput = toolSchema(z.object({ agent: AgentSchema, leaseSeconds: z.number(), leaseExpiresAt: z.string() }));

/** Tools that claim, read and move the calling agent's tasks, and keep its lease alive. */
export function registerTaskTools(server: McpServer, agent: AgentRecord): void {
  server.registerTool(
    'get_next_task',
    {
      title: 'Claim the next task',
      description:
        'Claim the next backlog task (highest priority, then oldest) and start it: it moves to in_progress and is assigned to you. ' +
        'You hold at most one task: if you already hold one, that task is returned again (resumed: true), so after a restart you resume your work. ' +
        'Returns the task and its project (Gitea owner/repo, default branch), or task: null with a message when the backlog is empty. ' +
        'Optional projectId limits the claim to one project.',
      inputSchema: GetNextTaskInput,
      outputSchema: GetNextTaskOutput,
      annotations: annotationsOf('get_next_task', 'Claim the next task'),
    },
    ({ projectId }) =>
      guarded(agent, 'get_next_task', async () => {
        // The endpoint left this request's sign of life to the claim: a fresh claim writes lastSeenAt with
        // the agent; anything else (resumed, no task, refused) records it here.
        let livenessRecorded = false;
        const claim = await claimNextTask(agent.id, { projectId, agent })
          .then((result) => ((livenessRecorded = result.task !== null && result.livenessRecorded === true), result))
          .finally(() => (livenessRecorded ? undefined : recordAgentLiveness(agent)));
        if (!claim.task) return toolResult({ task: null, message: claim.message });
        const message = claim.resumed
          ? `You already hold task ${claim.task.id} ('${claim.task.title}', ${claim.task.state}); continue it.${claim.task.feedback ? ' Reviewers left feedback in Gitea: read task.feedback, change the code and push to the same branch.' : ''} Finish it with update_task_status before claiming another.`
          : `You now hold task ${claim.task.id} ('${claim.task.title}'). Work on it, then create_branch, create_pull_request and update_task_status.`;
        return toolResult({ task: claim.task, project: claim.project, resumed: claim.resumed, message });
      }),
  );

  server.registerTool(
    'update_task_status',
    {
      title: 'Move your task to another state',
      description:
        `Change the state of the task you hold (in_progress or needs_input). You may move it to: ${AGENT_TARGET_STATES.join(', ')}. ` +
        'needs_input asks a person a question (pass question; the task waits and you keep it, poll get_task for lastResponse); ' +
        'ready_to_test hands finished work to review and frees you to claim the next task; backlog gives the task up. ' +
        'Only legal transitions are applied; an illegal one is refused with the allowed next states. note is recorded in the task history.',
      inputSchema: UpdateTaskStatusInput,
      outputSchema: UpdateTaskStatusOutput,
      annotations: annotationsOf('update_task_status', 'Move your task to another state'),
    },
    ({ taskId, state, question, note, hold }) =>
      guarded(agent, 'update_task_status', async () => {
        const task = await updateAgentTaskStatus(agent.id, { taskId, state, question, note, hold });
        const freed = task.state === 'ready_to_test' || task.state === 'backlog';
        const message = `Task ${task.id} is now ${task.state}.${freed ? ' You hold no task now; call get_next_task for the next one.' : ''}`;
        return toolResult({ task, message });
      }),
  );

  server.registerTool(
    'get_task',
    {
      title: 'Read one of your tasks',
      description:
        'The current state of a task assigned to you: branchName, prUrl, question, lastResponse (a person\'s answer), ' +
        'feedback (what reviewers asked for in Gitea: requested changes and comments on the pull request), lastError (a failed Gitea job).',
      inputSchema: GetTaskInput,
      outputSchema: GetTaskOutput,
      annotations: annotationsOf('get_task', 'Read one of your tasks'),
    },
    ({ taskId }) => guarded(agent, 'get_task', async () => toolResult({ task: await getAgentTask(agent.id, taskId) })),
  );

  server.registerTool(
    'list_my_tasks',
    {
      title: 'List your tasks',
      description: 'Tasks assigned to you (the one you hold and those you handed on), oldest first; optional state filter, pages with limit/cursor.',
      inputSchema: ListMyTasksInput,
      outputSchema: ListMyTasksOutput,
      annotations: annotationsOf('list_my_tasks', 'List your tasks'),
    },
    ({ state, limit, cursor }) =>
      guarded(agent, 'list_my_tasks', async () => {
        const page = await listAgentTasks(agent.id, { state, limit, cursor });
        return toolResult({ tasks: page.items, cursor: page.cursor, currentTaskId: agent.currentTaskId });
      }),
  );

  server.registerTool(
    'heartbeat',
    {
      title: 'Keep your lease',
      description:
        `Tell aiworker you are alive. Any tool call counts too; when you are silent for longer than the lease (${config().leaseSeconds} s), ` +
        'you are marked offline and a task you have in_progress goes back to the backlog for another agent.',
      inputSchema: NoInput,
      outputSchema: HeartbeatOutput,
      annotations: annotationsOf('heartbeat', 'Keep your lease'),
    },
    () =>
      guarded(agent, 'heartbeat', async () => {
        const current = await heartbeat(agent.id);
        const leaseSeconds = config().leaseSeconds;
        const leaseExpiresAt = new Date(Date.parse(current.lastHeartbeatAt ?? clockDate().toISOString()) + leaseSeconds * 1000).toISOString();
        return toolResult({ agent: current, leaseSeconds, leaseExpiresAt });
      }),
  );
}
