import type { McpServer } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import * as z from 'zod/mini';
import type { AgentRecord } from '../schemas/agent.js';
import { IdSchema, described } from '../schemas/common.js';
import { JobSchema, pullRequestRequestFields, type Job } from '../schemas/job.js';
import { TaskSchema } from '../schemas/task.js';
import { getAgentJob, getAgentTask } from '../services/agent-tasks.js';
import { requestBranch, requestPullRequest, waitForJob } from '../services/jobs.js';
import { toolResult } from './results.js';
import { toolSchema } from './tool-schema.js';
import { annotationsOf, guarded } from './tool-policy.js';

/** Longest a tool call waits for a job: stays inside the MCP function's 30 s timeout. */
export const MAX_WAIT_SECONDS = 25;

const WaitSchema = z.optional(
  z.int().check(
    z.gte(0),
    z.lte(MAX_WAIT_SECONDS),
    z.describe(`Seconds to wait for the job to finish (0–${MAX_WAIT_SECONDS}); without it the job id is returned at once`),
  ),
);

const JobResultShape = toolSchema(z.object({
  job: JobSchema,
  task: described(z.optional(TaskSchema), 'The task after the job, when you waited'),
  message: z.string(),
}));

// Built once per process, not per request.
const CreateBranchInput = toolSchema(z.object({ taskId: described(IdSchema, 'The task you hold'), wait: WaitSchema }));
const CreatePullRequestInput = toolSchema(z.object({
  taskId: described(IdSchema, 'The task you hold'),
  title: pullRequestRequestFields.title,
  body: pullRequestRequestFields.body,
  wait: WaitSchema,
}));
const GetJobInput = toolSchema(z.object({ jobId: IdSchema }));
const GetJobOutput = toolSchema(z.object({ job: JobSchema }));

/** Gitea work for the agent's task, done by the worker from the job queue. */
export function registerJobTools(server: McpServer, agent: AgentRecord): void {
  server.registerTool(
    'create_branch',
    {
      title: 'Create the task branch in Gitea',
      description:
        'Create the Gitea branch of the task you hold, task-{shortId}-{slug-of-title}, from the project default branch; recorded on the task as branchName. ' +
        'An existing branch is reused. The work runs as a job: with wait (seconds) you get the finished job and the task, otherwise the job to poll with get_job.',
      inputSchema: CreateBranchInput,
      outputSchema: JobResultShape,
      annotations: annotationsOf('create_branch', 'Create the task branch in Gitea'),
    },
    ({ taskId, wait }) => guarded(agent, 'create_branch', async () => jobOutcome(agent, taskId, await requestBranch(taskId, { agentId: agent.id }), wait, 'branch')),
  );

  server.registerTool(
    'create_pull_request',
    {
      title: 'Open the pull request in Gitea',
      description:
        'Open a pull request from the task branch to the project default branch (create_branch first); prUrl and prNumber are recorded on the task. ' +
        'title defaults to the task title, body to its description. An open pull request for the branch is reused. ' +
        'Runs as a job: with wait (seconds) you get the finished job and the task, otherwise the job to poll with get_job.',
      inputSchema: CreatePullRequestInput,
      outputSchema: JobResultShape,
      annotations: annotationsOf('create_pull_request', 'Open the pull request in Gitea'),
    },
    ({ taskId, title, body, wait }) =>
      guarded(agent, 'create_pull_request', async () => jobOutcome(agent, taskId, await requestPullRequest(taskId, { title, body, agentId: agent.id }), wait, 'pull request')),
  );

  server.registerTool(
    'get_job',
    {
      title: 'Check a Gitea job',
      description: 'The status of a job for one of your tasks: queued → running → succeeded | failed, with its result (branch, PR URL) or error.',
      inputSchema: GetJobInput,
      outputSchema: GetJobOutput,
      annotations: annotationsOf('get_job', 'Check a Gitea job'),
    },
    ({ jobId }) => guarded(agent, 'get_job', async () => toolResult({ job: await getAgentJob(agent.id, jobId) })),
  );
}

async function jobOutcome(agent: AgentRecord, taskId: string, requested: Job, wait: number | undefined, what: string): Promise<CallToolResult> {
  if (!wait) {
    return toolResult({ job: requested, message: `The ${what} job ${requested.id} is ${requested.status}; call get_job to follow it.` });
  }
  const job = await waitForJob(requested.id, wait);
  const task = await getAgentTask(agent.id, taskId).catch(() => undefined);
  if (job.status === 'failed') {
    return toolResult({ job, task, message: `The ${what} job ${job.id} failed: ${job.error ?? 'no reason recorded'}` }, { isError: true });
  }
  if (job.status !== 'succeeded') {
    return toolResult({ job, task, message: `The ${what} job ${job.id} is still ${job.status} after ${wait} s; call get_job to follow it.` });
  }
  return toolResult({ job, task, message: `The ${what} job ${job.id} succeeded.` });
}
