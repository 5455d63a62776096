import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { now } from '../ids.js';
import { config } from '../config.js';
import { agentRepository } from '../db/agent-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { AgentNotice, AgentRecord } from '../schemas/agent.js';
import type { Page } from '../schemas/common.js';
import type { Job } from '../schemas/job.js';
import type { Task, TaskCreate, TaskState } from '../schemas/task.js';
import { ACTIVE_STATES, TRANSITIONS, isActive } from '../state-machine.js';
import { touchAgent } from './agents.js';
import { getJob } from './jobs.js';
import { createTask, getTask, transitionTask } from './tasks.js';
import { clockMs } from '../clock.js';

/**
 * What an agent may do to tasks, always as itself (the agent comes from its token, never from an
 * argument): read and change only the tasks assigned to it.
 */

/** States an agent may move its own task to. Approval, staging, production and cancelling are for people. */
export const AGENT_TARGET_STATES = ['in_progress', 'needs_input', 'ready_to_test', 'backlog'] as const satisfies readonly TaskState[];
export type AgentTargetState = (typeof AGENT_TARGET_STATES)[number];

export function assertAssigned(task: Task, agentId: string): void {
  if (task.assignedAgentId === agentId) return;
  throw new ForbiddenError(
    task.assignedAgentId
      ? `Task '${task.id}' is assigned to another agent; you can only act on tasks assigned to you (get_next_task claims one)`
      : `Task '${task.id}' is not assigned to you (it is in '${task.state}'); call get_next_task to claim a task`,
  );
}

/** A task the agent may read: one assigned to it. */
export async function getAgentTask(agentId: string, taskId: string): Promise<Task> {
  const task = await getTask(taskId);
  assertAssigned(task, agentId);
  return task;
}

export const listAgentTasks = (agentId: string, query: { state?: TaskState; limit?: number; cursor?: string }): Promise<Page<Task>> =>
  taskRepository.list({ assignedAgentId: agentId, state: query.state, limit: query.limit ?? 25, cursor: query.cursor });

export interface AgentStatusChange {
  taskId: string;
  state: TaskState;
  question?: string;
  note?: string;
  /** With backlog: the agent gives up on the task; it waits for a person's Retry instead of being claimed again. */
  hold?: boolean;
}

/**
 * `update_task_status`: legal transitions only, on a task the agent holds (in_progress or needs_input).
 * Leaving the agent's hands (ready_to_test, backlog) frees the agent in the same transaction.
 */
export function updateAgentTaskStatus(agentId: string, change: AgentStatusChange): Promise<Task> {
  const guard = (task: Task) => {
    assertAssigned(task, agentId);
    if (!isActive(task.state)) {
      throw new ConflictError(
        `Task '${task.id}' is in '${task.state}' and no longer in your hands; an agent changes only the task it holds (${ACTIVE_STATES.join(' or ')})`,
        { state: task.state },
      );
    }
    if (!(AGENT_TARGET_STATES as readonly string[]).includes(change.state)) {
      const allowed = TRANSITIONS[task.state].filter((state) => (AGENT_TARGET_STATES as readonly string[]).includes(state));
      throw new ConflictError(`An agent cannot move a task to '${change.state}'; allowed from '${task.state}': ${allowed.join(', ')}`);
    }
  };
  if (change.hold && change.state !== 'backlog') throw new ValidationError(`'hold' goes only with state 'backlog' (giving the task up), not '${change.state}'`);
  const hold = change.hold ? (change.note ?? `agent ${agentId} gave the task up`).slice(0, 2000) : undefined;
  return transitionTask(change.taskId, { to: change.state, question: change.question, note: change.note, agentId, hold }, undefined, guard);
}

/** A job the agent may read: one working for a task assigned to it. */
export async function getAgentJob(agentId: string, jobId: string): Promise<Job> {
  const job = await getJob(jobId);
  const task = job.taskId ? await taskRepository.get(job.taskId) : undefined;
  if (!task || task.assignedAgentId !== agentId) {
    // Someone else's job looks like no job at all.
    throw new NotFoundError('Job', jobId);
  }
  return job;
}

/**
 * Records that the agent is alive (any MCP request counts). Cheap: skipped when the agent was seen very
 * recently, otherwise one conditional update without a read; an agent the sweeper marked offline comes
 * back as idle or busy through `touchAgent`.
 */
export async function recordAgentActivity(agent: AgentRecord): Promise<void> {
  const freshForMs = Math.min(1_000, (config().leaseSeconds * 1000) / 20);
  if (agent.status !== 'offline' && clockMs() - Date.parse(agent.lastSeenAt) < freshForMs) return;
  // Marked offline (or meanwhile): come back through touchAgent.
  if (agent.status !== 'offline' && (await agentRepository.touch(agent.id, now()))) return;
  await touchAgent(agent.id, false);
}

/** Forgets a notice the agent has now been told (a newer one stays). */
export async function forgetNotice(agentId: string, notice: AgentNotice): Promise<void> {
  await agentRepository.forgetNotice(agentId, notice.at);
}

/**
 * `create_task`: an agent files a follow-up or subtask in the project of the task it holds; it goes to
 * the backlog, recorded as filed by the agent (`createdBy` and the event's actor `agent:<id>`).
 */
export async function fileAgentTask(agentId: string, input: Omit<TaskCreate, 'projectId'>): Promise<Task> {
  const agent = await agentRepository.get(agentId);
  const held = agent?.currentTaskId ? await taskRepository.get(agent.currentTaskId) : undefined;
  if (!held || held.assignedAgentId !== agentId || !isActive(held.state)) {
    throw new ConflictError('create_task files a task in the project of the task you hold; you hold none (call get_next_task first)');
  }
  return createTask({ ...input, projectId: held.projectId }, `agent:${agentId}`);
}
