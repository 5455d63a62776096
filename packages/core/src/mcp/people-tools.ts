import type { CallToolResult, McpServer, ToolAnnotations } from '@modelcontextprotocol/server';
import * as z from 'zod/mini';
import { ForbiddenError } from '../errors.js';
import { IdSchema, described } from '../schemas/common.js';
import type { PersonTokenRecord, PersonTokenScope } from '../schemas/person-token.js';
import { TaskSchema, TaskStateSchema, taskCreateFields } from '../schemas/task.js';
import { createTask, getTask, listTasks, respondToTask } from '../services/tasks.js';
import { runTool, toolResult } from './results.js';
import { toolSchema } from './tool-schema.js';

const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

/** People's tools: the scope each needs and what it does, for clients that auto-approve reads. */
export const PEOPLE_TOOL_POLICY = {
  list_questions: { scope: 'read', annotations: READ },
  answer_question: { scope: 'write', annotations: WRITE },
  create_task: { scope: 'write', annotations: WRITE },
  list_tasks: { scope: 'read', annotations: READ },
  get_task: { scope: 'read', annotations: READ },
} as const satisfies Record<string, { scope: PersonTokenScope; annotations: ToolAnnotations }>;
export type PeopleToolName = keyof typeof PEOPLE_TOOL_POLICY;

const page = {
  limit: z.optional(z.int().check(z.gte(1), z.lte(100), z.describe('Tasks per page (default 25)'))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000), z.describe('cursor from the previous page'))),
};
const TaskPage = toolSchema(z.object({ tasks: z.array(TaskSchema), cursor: z.optional(z.string()) }));
const ListQuestionsInput = toolSchema(z.strictObject({ projectId: z.optional(described(IdSchema, 'Only questions in this project')), ...page }));
const AnswerQuestionInput = toolSchema(
  z.strictObject({
    taskId: described(IdSchema, 'The task whose question you answer (it waits in needs_input)'),
    answer: described(z.string().check(z.trim(), z.minLength(1), z.maxLength(50_000)), 'Your answer; the agent reads it as task.lastResponse'),
  }),
);
const TaskOutput = toolSchema(z.object({ task: TaskSchema, message: z.string() }));
const CreateTaskInput = toolSchema(z.strictObject(taskCreateFields));
const ListTasksInput = toolSchema(z.strictObject({ projectId: z.optional(IdSchema), state: z.optional(TaskStateSchema), ...page }));
const GetTaskInput = toolSchema(z.strictObject({ taskId: IdSchema }));
const GetTaskOutput = toolSchema(z.object({ task: TaskSchema }));

/** Runs a people's tool once the token's scope allows it (`write` includes `read`); a refusal is a tool error. */
function guarded(token: PersonTokenRecord, tool: PeopleToolName, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  return runTool(async () => {
    const needed = PEOPLE_TOOL_POLICY[tool].scope;
    if (needed === 'write' && token.scope !== 'write') {
      throw new ForbiddenError(`${tool} needs a token with scope 'write'; this one is '${token.scope}'. Make one on the board (Tokens) or with POST /api/people/tokens`);
    }
    return body();
  });
}

const meta = (tool: PeopleToolName, title: string) => ({ title, annotations: { title, ...PEOPLE_TOOL_POLICY[tool].annotations } });

/**
 * Tools for a person with a personal token: answer what agents ask, and file or look at work, from any MCP
 * client. Every write is attributed to the token's owner (`admin` or `gitea:<login>`), as on the board.
 */
export function registerPeopleTools(server: McpServer, token: PersonTokenRecord): void {
  const actor = token.owner;
  server.registerTool(
    'list_questions',
    {
      ...meta('list_questions', 'Questions waiting for a person'),
      description: 'Tasks in needs_input: an agent asked a question (task.question) and waits for your answer. Answer with answer_question.',
      inputSchema: ListQuestionsInput,
      outputSchema: TaskPage,
    },
    ({ projectId, limit, cursor }) =>
      guarded(token, 'list_questions', async () => {
        const found = await listTasks({ state: 'needs_input', projectId, limit: limit ?? 25, cursor });
        return toolResult({ tasks: found.items, cursor: found.cursor });
      }),
  );

  server.registerTool(
    'answer_question',
    {
      ...meta('answer_question', "Answer an agent's question"),
      description: 'Answer the question of a task in needs_input. The task goes back to in_progress with your answer as lastResponse, and its agent carries on.',
      inputSchema: AnswerQuestionInput,
      outputSchema: TaskOutput,
    },
    ({ taskId, answer }) =>
      guarded(token, 'answer_question', async () => {
        const task = await respondToTask(taskId, { response: answer }, actor);
        return toolResult({ task, message: `Answered task ${task.id} ('${task.title}'); it is ${task.state} again with its agent.` });
      }),
  );

  server.registerTool(
    'create_task',
    {
      ...meta('create_task', 'File a task'),
      description:
        'File a task in a project\'s backlog for any agent. dependsOn lists tasks of the same project that must be done first; parentId makes it a subtask.',
      inputSchema: CreateTaskInput,
      outputSchema: TaskOutput,
    },
    (input) =>
      guarded(token, 'create_task', async () => {
        const task = await createTask(input, actor);
        const waiting = task.openDependencies ? ` It waits for ${task.openDependencies} unfinished dependencies.` : '';
        return toolResult({ task, message: `Filed task ${task.id} ('${task.title}') in the backlog of project ${task.projectId}.${waiting}` });
      }),
  );

  server.registerTool(
    'list_tasks',
    {
      ...meta('list_tasks', 'List tasks'),
      description: 'Tasks, optionally of one project and in one state, a page at a time (limit, cursor).',
      inputSchema: ListTasksInput,
      outputSchema: TaskPage,
    },
    ({ projectId, state, limit, cursor }) =>
      guarded(token, 'list_tasks', async () => {
        const found = await listTasks({ projectId, state, limit: limit ?? 25, cursor });
        return toolResult({ tasks: found.items, cursor: found.cursor });
      }),
  );

  server.registerTool(
    'get_task',
    {
      ...meta('get_task', 'Read a task'),
      description: 'One task: its state, question and lastResponse, branch, pull request and review feedback.',
      inputSchema: GetTaskInput,
      outputSchema: GetTaskOutput,
    },
    ({ taskId }) => guarded(token, 'get_task', async () => toolResult({ task: await getTask(taskId) })),
  );
}
