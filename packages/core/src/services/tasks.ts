import { ConflictError, NotFoundError, ValidationError, VersionConflictError } from '../errors.js';
import { newId, now } from '../ids.js';
import { taskRepository } from '../db/task-repository.js';
import { tableName, transact, versionedDelete, type TransactItem } from '../db/store.js';
import { agentPk, agentStatusPk, releaseAgentUpdate, agentRepository, statusKeyNames } from '../db/agent-repository.js';
import { taskPk } from '../db/task-repository.js';
import type { PageQuery } from '../schemas/common.js';
import type { Task, TaskCreate, TaskListQuery, TaskRespond, TaskUpdate } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { getProject } from './projects.js';
import { updateVersioned } from './optimistic.js';
import { applyStateChange, saveTaskChange, stateEvent, type StateChange } from './task-changes.js';

export async function createTask(input: TaskCreate): Promise<Task> {
  await getProject(input.projectId);
  const at = now();
  const task: Task = { id: newId(), ...input, state: 'backlog', createdAt: at, updatedAt: at, version: 1 };
  await transact([
    taskRepository.put(task, undefined),
    taskRepository.eventPut({ taskId: task.id, at, type: 'created', to: 'backlog', message: `Task created: ${task.title}` }),
  ]);
  return task;
}

export async function getTask(id: string): Promise<Task> {
  const task = await taskRepository.get(id);
  if (!task) throw new NotFoundError('Task', id);
  return task;
}

export const listTasks = (query: TaskListQuery) => taskRepository.list(query);

export async function listTaskEvents(id: string, query: PageQuery) {
  // A claim keeps its event in the task item (one write instead of two); write such events out first.
  await taskRepository.flushPendingEvents(await getTask(id));
  return taskRepository.events(id, query.limit, query.cursor);
}

/** Field edits and state changes from the REST API. */
export function updateTask(id: string, input: TaskUpdate): Promise<Task> {
  const { version, state, question, ...fields } = input;
  return changeTask(id, version, async (task) => {
    if (question !== undefined && (state ?? task.state) !== 'needs_input') {
      throw new ValidationError(`A 'question' goes only with state 'needs_input' (the task would be in '${state ?? task.state}')`);
    }
    const edited: Task = { ...task, ...fields };
    if (state === undefined || state === task.state) return { next: question ? { ...edited, question } : edited };
    const change: StateChange = { to: state, question };
    const next = applyStateChange(edited, change);
    if (isSendBack(task, state)) return sendBack(task, next);
    return { next, change };
  });
}

type Plan = { next: Task; change?: StateChange; extra?: TransactItem[] };

/** A person sends a task an agent finished (ready_to_test, approved, staging) back to in_progress for rework. */
const isSendBack = (task: Task, to: Task['state']) => to === 'in_progress' && !!task.assignedAgentId && !isActive(task.state);

/**
 * Rework goes back to the agent that did the work, as its one held task (an agent holds at most one;
 * an in_progress task is always held by its agent, which is what the lease sweeper relies on): if that
 * agent is free and online, it holds the task again (the task and the agent change in one transaction,
 * the agent only if it still holds nothing). Otherwise — it works on another task, is offline or gone —
 * the task goes to the backlog unassigned, where the next agent claims it, and the event says why.
 */
async function sendBack(task: Task, next: Task): Promise<Plan> {
  const agentId = task.assignedAgentId!;
  const agent = await agentRepository.get(agentId);
  const sentBack = `A user sent the task back from ${task.state} for rework`;
  if (agent && !agent.currentTaskId && agent.status !== 'offline') {
    return {
      next,
      change: { to: 'in_progress', eventType: 'sent_back', note: `${sentBack}; agent ${agentId} holds it again` },
      extra: [reattachAgentUpdate(agentId, task.id, now())],
    };
  }
  const why = !agent
    ? `its agent ${agentId} no longer exists`
    : agent.status === 'offline'
      ? `its agent ${agentId} is offline`
      : `its agent ${agentId} is working on task ${agent.currentTaskId}`;
  const queued: Task = { ...next, state: 'backlog' };
  delete queued.assignedAgentId;
  return { next: queued, change: { to: 'backlog', eventType: 'sent_back', note: `${sentBack}; ${why}, so it waits in the backlog for the next agent` } };
}

/**
 * Gives a task back to its agent: only if the agent exists, holds no task and is not offline. Unlike a
 * claim it leaves lastSeenAt alone: a person sending work back is no sign of life from the agent.
 */
const reattachAgentUpdate = (agentId: string, taskId: string, at: string): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: 'AGENT' },
    UpdateExpression: 'SET currentTaskId = :taskId, #status = :busy, #statusPk = :statusPk, updatedAt = :at, version = version + :one',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(currentTaskId) AND #status <> :offline',
    ExpressionAttributeNames: { '#status': 'status', '#statusPk': statusKeyNames['#statusPk'] },
    ExpressionAttributeValues: { ':taskId': taskId, ':busy': 'busy', ':statusPk': agentStatusPk(agentId, 'busy'), ':offline': 'offline', ':at': at, ':one': 1 },
  },
});

/** A state change asked for by an agent or a person (MCP `update_task_status`, sweeper, worker). */
export function transitionTask(id: string, change: StateChange, expectedVersion?: number, guard?: (task: Task) => void): Promise<Task> {
  return changeTask(id, expectedVersion, (task) => {
    guard?.(task);
    return { next: applyStateChange(task, change), change };
  });
}

/** Answers the question of a task in `needs_input` and hands it back to its agent. */
export function respondToTask(id: string, input: TaskRespond): Promise<Task> {
  return changeTask(id, undefined, (task) => {
    if (task.state !== 'needs_input') {
      throw new ConflictError(`Task '${id}' is in '${task.state}', not waiting for input; only a task in 'needs_input' takes a response`, {
        state: task.state,
      });
    }
    const change: StateChange = { to: 'in_progress', note: `A user answered: ${input.response}`, eventType: 'responded' };
    return { next: { ...applyStateChange(task, change), lastResponse: input.response }, change };
  });
}

function changeTask(id: string, expectedVersion: number | undefined, plan: (task: Task) => Plan | Promise<Plan>): Promise<Task> {
  const pending = new Map<number, Omit<Plan, 'next'>>();
  return updateVersioned<Task>({
    kind: 'Task',
    id,
    expectedVersion,
    load: () => taskRepository.get(id),
    change: async (task) => {
      const { next, ...rest } = await plan(task);
      pending.set(task.version, rest);
      return next;
    },
    save: (next, task) => {
      const { change, extra } = pending.get(task.version) ?? {};
      return saveTaskChange(task, next, change && stateEvent(task, next, change), { extra });
    },
  });
}

/** Deleting a task an agent holds frees the agent in the same transaction. */
export async function deleteTask(id: string, expectedVersion?: number): Promise<Task> {
  const task = await getTask(id);
  if (expectedVersion !== undefined && expectedVersion !== task.version) {
    throw new VersionConflictError('Task', id, expectedVersion, task.version);
  }
  const items = [versionedDelete(taskPk(id), 'TASK', task.version)];
  if (task.assignedAgentId && isActive(task.state)) {
    const agent = await agentRepository.get(task.assignedAgentId);
    if (agent?.currentTaskId === id) items.push(releaseAgentUpdate(agent.id, id, now()));
  }
  const failed = await transact(items);
  if (failed.length) throw new VersionConflictError('Task', id, task.version);
  return task;
}
