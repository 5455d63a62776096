import { logger } from '../telemetry.js';
import { ConflictError, NotFoundError, ValidationError, VersionConflictError } from '../errors.js';
import { newId, now } from '../ids.js';
import { taskRepository, withInternal } from '../db/task-repository.js';
import { logRepository } from '../db/log-repository.js';
import { usageRepository } from '../db/usage-repository.js';
import { RetryCreation, explainDependencyFailure, planDependencies } from './dependencies.js';
import { planDependsOnEdit } from './dependency-edits.js';
import { releaseBeforeDelete } from './dependency-release.js';
import { projectRepository } from '../db/project-repository.js';
import { isTransactionConflict, transact, type TransactItem } from '../db/store.js';
import { releaseAgentUpdate, agentRepository } from '../db/agent-repository.js';
import type { PageQuery } from '../schemas/common.js';
import type { Task, TaskCreate, TaskListQuery, TaskRespond, TaskUpdate } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { updateVersioned } from './optimistic.js';
import { AGAIN, retry } from '../db/retry.js';
import { ActorName, actorName } from './actor-names.js';
import { applyStateChange, releaseNotice, saveTaskChange, stateEvent, type StateChange } from './task-changes.js';
import type { TaskEvent } from '../schemas/task.js';
import { appendFeedback } from './feedback.js';
import { isSendBack, sendBack, type Plan } from './send-back.js';

/** Tries of a task creation that keeps colliding with others in the same project (their count). */
const CREATE_ATTEMPTS = 20;

/**
 * A task is created in one transaction with its `created` event and the count of its project's tasks,
 * which fails when the project is gone: a project deleted at the same moment either sees the task (and is
 * kept) or the task is refused as not found. `actor`: who asked (`admin`, `gitea:<login>`, `agent:<id>`),
 * recorded in the task's events.
 */
export async function createTask(input: TaskCreate & Pick<Task, 'issue'>, actor?: string, options: { extra?: (taskId: string) => TransactItem[] } = {}): Promise<Task> {
  const at = now();
  const id = newId();
  // Many tasks created in one project at once collide on its count (TransactionConflict): each lost race
  // wrote nothing, so this request's retry budget is as large as its budget of lost races.
  const giveUp = () => new ConflictError('The tasks this one depends on keep changing; try again');
  return retry({ attempts: CREATE_ATTEMPTS, giveUp, transientTries: CREATE_ATTEMPTS, backoffMs: () => Math.random() * 50 }, async () => {
    // Dependencies are read (and checked) again on every try: one of them may have moved meanwhile.
    const plan = await planDependencies({ id, ...input });
    const base: Task = { id, ...input, state: 'backlog', ...(plan.openDependencies ? { openDependencies: plan.openDependencies } : {}), ...(actor ? { createdBy: actor } : {}), createdAt: at, updatedAt: at, version: 1 };
    if (!base.dependsOn?.length) delete base.dependsOn;
    const task = plan.doneDependencies.length ? withInternal(base, { doneDependencies: plan.doneDependencies }) : base;
    const waiting = plan.openDependencies ? ` It waits for ${plan.openDependencies} unfinished ${plan.openDependencies === 1 ? 'dependency' : 'dependencies'}.` : '';
    const items = [
      projectRepository.addTask(task.projectId),
      ...taskRepository.put(task, undefined),
      taskRepository.eventPut({
        taskId: task.id,
        at,
        type: 'created',
        to: 'backlog',
        ...(actor ? { actor } : {}),
        message: (actor ? `${actorName(actor)} created the task: ${task.title}` : `Task created: ${task.title}`) + waiting,
      }),
      ...plan.items,
    ];
    // What must be written with the task (an issue's link, issue-sync.ts): if one of its guards fails, nothing is.
    const extra = options.extra?.(id) ?? [];
    const extraFrom = items.push(...extra) - extra.length;
    const failed = await transact(items);
    if (failed.includes(0)) throw new NotFoundError('Project', task.projectId);
    if (failed.includes(1)) throw new ConflictError(`Task '${task.id}' already exists`);
    if (failed.some((index) => index >= extraFrom)) throw new ConflictError(`Task '${task.id}' was not created: what goes with it changed meanwhile`, { extra: true });
    if (!failed.length) return base;
    // A dependency changed (or has as many dependents as it may): plan again, or say which.
    await explainDependencyFailure(task.dependsOn ?? []).catch((error: unknown) => {
      if (!(error instanceof RetryCreation)) throw error;
    });
    return AGAIN;
  });
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
export function updateTask(id: string, input: TaskUpdate, actor?: string): Promise<Task> {
  const { version, state, question, feedback, dependsOn, ...fields } = input;
  return changeTask(id, version, async (task) => {
    if (question !== undefined && (state ?? task.state) !== 'needs_input') {
      throw new ValidationError(`A 'question' goes only with state 'needs_input' (the task would be in '${state ?? task.state}')`);
    }
    if (feedback !== undefined && !(state && isSendBack(task, state))) {
      throw new ValidationError(`'feedback' goes only with sending a task back from review (state 'in_progress' from ready_to_test, approved or staging; the task is in '${task.state}')`);
    }
    const dependencies = dependsOn !== undefined && !sameIds(dependsOn, task.dependsOn ?? []) ? await planDependsOnEdit(task, dependsOn) : undefined;
    const edited: Task = { ...(dependencies?.next ?? task), ...fields };
    const extra = dependencies?.extra;
    if (state === undefined || state === task.state) {
      const edits = dependencies ? { ...fields, dependsOn } : fields;
      return { next: question ? { ...edited, question } : edited, extra, event: actor ? editEvent(task, edits, actor, dependencies?.note) : undefined };
    }
    const change: StateChange = { to: state, question, actor };
    const next = applyStateChange(edited, change);
    // A task nobody holds, moved back without feedback, is a person taking it on: it moves as asked.
    if (isSendBack(task, state) && (task.assignedAgentId || feedback !== undefined)) {
      const back = await sendBack(task, feedback ? { ...next, feedback: withFeedback(task, actor, feedback) } : next, actor);
      return { ...back, extra: [...(back.extra ?? []), ...(extra ?? [])] };
    }
    return { next, change, extra };
  });
}

const sameIds = (a: string[], b: string[]) => a.length === b.length && a.every((id, index) => id === b[index]);

/** The task's review feedback with a person's send-back note added (bounded like review feedback from Gitea). */
const withFeedback = (task: Task, actor: string | undefined, text: string): string => appendFeedback(task.feedback, `${ActorName(actor)} sent it back from the board:\n${text}`);

/** A person's edit of a task's fields (title, description, priority, dependsOn), for the events timeline. */
function editEvent(task: Task, fields: Partial<Pick<Task, 'title' | 'description' | 'priority' | 'dependsOn'>>, actor: string, dependencyNote?: string): TaskEvent {
  const what = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => (name === 'description' ? 'the description' : `${name} to ${JSON.stringify(value)}`));
  const note = dependencyNote ? `; ${dependencyNote}` : '';
  return { taskId: task.id, at: now(), type: 'edited', actor, message: `${actorName(actor)} changed ${what.join(', ') || 'nothing'}${note}` };
}

/** A state change asked for by an agent or a person (MCP `update_task_status`, sweeper, worker). */
export function transitionTask(id: string, change: StateChange, expectedVersion?: number, guard?: (task: Task) => void): Promise<Task> {
  return changeTask(id, expectedVersion, (task) => {
    guard?.(task);
    return { next: applyStateChange(task, change), change };
  });
}

/** Answers the question of a task in `needs_input` and hands it back to its agent. */
export function respondToTask(id: string, input: TaskRespond, actor?: string): Promise<Task> {
  return changeTask(id, undefined, (task) => {
    if (task.state !== 'needs_input') {
      throw new ConflictError(`Task '${id}' is in '${task.state}', not waiting for input; only a task in 'needs_input' takes a response`, {
        state: task.state,
      });
    }
    const change: StateChange = { to: 'in_progress', note: `${ActorName(actor)} answered: ${input.response}`, eventType: 'responded', actor };
    return { next: { ...applyStateChange(task, change), lastResponse: input.response }, change };
  });
}

export function changeTask(id: string, expectedVersion: number | undefined, plan: (task: Task) => Plan | Promise<Plan>): Promise<Task> {
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
      const { change, extra, event } = pending.get(task.version) ?? {};
      return saveTaskChange(task, next, change ? stateEvent(task, next, change) : event, { extra });
    },
  });
}

/**
 * Deletes a task, in one transaction with its project's task count and — when an agent holds it — the
 * agent, freed. Its events go with it (a deleted task leaves nothing behind, its history included).
 * Without `expectedVersion`, a task changed meanwhile is looked at again rather than refused.
 */
/**
 * Deletes a task with its events (nothing of it stays behind). Who deleted it cannot go in events that are
 * gone, so it is in the log: `Task deleted` with the actor, the task and its project.
 */
export async function deleteTask(id: string, expectedVersion?: number, actor?: string): Promise<Task> {
  const giveUp = () => new ConflictError(`Task '${id}' kept changing while it was being deleted; try again`, { id });
  return retry({ attempts: 20, giveUp, backoffMs: () => 0 }, async () => {
    const task = await getTask(id);
    if (expectedVersion !== undefined && expectedVersion !== task.version) {
      throw new VersionConflictError('Task', id, expectedVersion, task.version);
    }
    // First the tasks waiting for it or under it let go of it; a new one arriving meanwhile moves its version, and we look again.
    await releaseBeforeDelete(task, actor);
    if (!(await deleteTaskAt(task, actor))) return AGAIN;
    await Promise.all([taskRepository.deleteEvents(id), taskRepository.deleteDependentEdges(id), logRepository.deleteAll(id), usageRepository.deleteAttemptMarks(id)]);
    logger.info('Task deleted', { taskId: id, projectId: task.projectId, title: task.title, actor: actor ?? 'system' });
    return task;
  });
}

/** One try: false when the task's version moved on. Guards on other items that no longer apply are dropped. */
async function deleteTaskAt(task: Task, actor?: string): Promise<boolean> {
  const items: Array<TransactItem | undefined> = [taskRepository.delete(task.id, task.version), projectRepository.removeTask(task.projectId), taskRepository.deleteText(task.id)];
  // Its own edges under the tasks it waited for go with it (they count their dependents).
  for (const id of task.dependsOn ?? []) {
    if (await taskRepository.hasDependentEdge(id, task.id)) items.push(...taskRepository.removeDependentEdge(id, task.id));
  }
  if (task.assignedAgentId && isActive(task.state)) {
    const agent = await agentRepository.get(task.assignedAgentId);
    const at = now();
    const notice = releaseNotice(task, task.assignedAgentId, { taskId: task.id, at, type: 'deleted', ...(actor ? { actor } : {}), message: `${ActorName(actor)} deleted it` });
    if (agent?.currentTaskId === task.id) items.push(releaseAgentUpdate(agent.id, task.id, at, 'idle', notice));
  }
  for (;;) {
    const failed = await transact(items.filter((item): item is TransactItem => item !== undefined)).catch((error: unknown) => {
      if (isTransactionConflict(error)) return [0];
      throw error;
    });
    if (failed.length === 0) return true;
    if (failed.includes(0)) return false;
    // A project older than its task count, or an agent that let go meanwhile: nothing to change there.
    const present = items.flatMap((item, index) => (item ? [index] : []));
    for (const position of failed) items[present[position]] = undefined;
  }
}
