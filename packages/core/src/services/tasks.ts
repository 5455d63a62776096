import { ConflictError, NotFoundError, ValidationError, VersionConflictError } from '../errors.js';
import { newId, now } from '../ids.js';
import { taskRepository } from '../db/task-repository.js';
import { transact, versionedDelete } from '../db/store.js';
import { releaseAgentUpdate, agentRepository } from '../db/agent-repository.js';
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
  await getTask(id);
  return taskRepository.events(id, query.limit, query.cursor);
}

/** Field edits and state changes from the REST API. */
export function updateTask(id: string, input: TaskUpdate): Promise<Task> {
  const { version, state, question, ...fields } = input;
  return changeTask(id, version, (task) => {
    if (question !== undefined && (state ?? task.state) !== 'needs_input') {
      throw new ValidationError(`A 'question' goes only with state 'needs_input' (the task would be in '${state ?? task.state}')`);
    }
    const edited: Task = { ...task, ...fields };
    if (state === undefined || state === task.state) return { next: question ? { ...edited, question } : edited };
    const change: StateChange = { to: state, question };
    const next = applyStateChange(edited, change);
    return { next, change };
  });
}

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

function changeTask(
  id: string,
  expectedVersion: number | undefined,
  plan: (task: Task) => { next: Task; change?: StateChange },
): Promise<Task> {
  const pending = new Map<number, StateChange | undefined>();
  return updateVersioned<Task>({
    kind: 'Task',
    id,
    expectedVersion,
    load: () => taskRepository.get(id),
    change: (task) => {
      const { next, change } = plan(task);
      pending.set(task.version, change);
      return next;
    },
    save: (next, task) => {
      const change = pending.get(task.version);
      return saveTaskChange(task, next, change && stateEvent(task, next, change));
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
