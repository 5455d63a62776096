import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors.js';
import type { Page } from '../schemas/common.js';
import type { Task, TaskEvent, TaskListQuery, TaskState } from '../schemas/task.js';
import { documentClient } from './client.js';
import { allShards, backlogPk, indexEntry, projectBacklogPk, rankKey, shardOf, stripKeys, timeKey, type BacklogKind } from './keys.js';
import { hydrate, queryPage, queryShardedPage } from './page.js';
import { deleteKeys, deletePrefixed, getItem, tableName, versionedDelete, versionedPut, type Item, type TransactItem } from './store.js';

export const taskPk = (id: string) => `TASK#${id}`;
export const TASK_SK = 'TASK';
/**
 * The task's long text lives in an item of its own, `TASK#id / TEXT`, so the writes that hot paths make to
 * the task item (claims, status changes, leases) stay small: on DynamoDB a write costs a WCU per KB of the
 * item, and a description may be 50 KB. It is written with the change that edits it (same transaction) and
 * read where a person or an agent reads the task (get, lists, the claim's answer); the board's list leaves
 * it out.
 */
export const TASK_TEXT_SK = 'TEXT';
export const TEXT_FIELDS = ['description', 'lastResponse', 'feedback'] as const;
export type TaskText = Partial<Pick<Task, (typeof TEXT_FIELDS)[number]>>;
export const textOf = (task: Partial<Task>): TaskText => {
  const text: TaskText = {};
  for (const field of TEXT_FIELDS) if (task[field] !== undefined) text[field] = task[field];
  return text;
};
const hasAnyText = (task: Partial<Task>) => TEXT_FIELDS.some((field) => task[field] !== undefined);
/** The text fields a task has, whether joined, still in an old item, or only known from its item's `textFields`. */
export const textFieldsOf = (task: Task): string[] => [...new Set([...(internalOf(task).textFields ?? []), ...TEXT_FIELDS.filter((field) => task[field] !== undefined)])];

/**
 * What the task item stores besides the public fields: never shown, carried along by every write of the
 * task (a symbol key survives `{...task}` and is left out of JSON).
 *  - pendingEvents: events written into the task item by a single-item write (a claim), turned into
 *    event items by the next transaction on the task or when its events are read (idempotent: the
 *    event's key is fixed by the task version it came with).
 *  - doneDependencies: dependencies already counted as done (a finished dependency is counted once).
 *  - dependents: how many tasks depend on this one (their edges are `pk=TASK#<this>, sk=DEPENDENT#<id>`).
 */
export const TASK_INTERNAL = Symbol('taskInternal');
export interface TaskInternal {
  pendingEvents?: (TaskEvent & { key?: string })[];
  doneDependencies?: string[];
  dependents?: number;
  /** Which text fields the task's `TEXT` item holds (so a reader of the task item alone knows whether to read it). */
  textFields?: string[];
  /** Read from an item that still carries its text itself (written before the text moved out): the next change moves it. */
  inlineText?: boolean;
}
export type StoredTask = Task & { [TASK_INTERNAL]?: TaskInternal };
const INTERNAL_ATTRIBUTES = ['pendingEvents', 'doneDependencies', 'dependents', 'textFields'] as const;
const INTERNAL = new Set<string>(INTERNAL_ATTRIBUTES);

export const internalOf = (task: Task): TaskInternal => (task as StoredTask)[TASK_INTERNAL] ?? {};
export const withInternal = (task: Task, internal: TaskInternal): StoredTask => ({ ...task, [TASK_INTERNAL]: internal });

/** A backlog task is claimable when none of its dependencies is open. */
export const isClaimable = (task: Pick<Task, 'state' | 'openDependencies' | 'held'>) => task.state === 'backlog' && !(task.openDependencies ?? 0) && !task.held;

/**
 * The partition values of a task's index entries: built here only (the claim's single-item write moves a
 * task between them too, see claim-repository.ts).
 */
export type { BacklogKind };
export const taskPartitions = {
  assignee: (agentId: string) => `AGENT_TASKS#${agentId}`,
  status: (state: TaskState, taskId: string) => `TASK_STATE#${state}#${shardOf(taskId)}`,
  projectState: (projectId: string, state: TaskState) => `PROJECT_STATE#${projectId}#${state}`,
  /** The sharded backlog of every project: one partition per shard. */
  backlog: backlogPk,
  projectBacklog: projectBacklogPk,
};

/** The index entries a task is in, by its state: see infra/table.ts. */
export function taskIndexEntries(task: Task): Item {
  const rank = rankKey(task.priority, task.createdAt, task.id);
  const created = timeKey(task.createdAt, task.id);
  const shard = shardOf(task.id);
  const backlogKind: BacklogKind = isClaimable(task) ? 'READY' : 'BLOCKED';
  return {
    ...indexEntry('all', 'TASKS', created),
    ...indexEntry('owner', `PROJECT_TASKS#${task.projectId}`, created),
    ...(task.assignedAgentId ? indexEntry('assignee', taskPartitions.assignee(task.assignedAgentId), created) : {}),
    ...indexEntry('status', taskPartitions.status(task.state, task.id), rank),
    ...indexEntry('projectState', taskPartitions.projectState(task.projectId, task.state), rank),
    ...(task.state === 'backlog'
      ? { ...indexEntry('backlog', taskPartitions.backlog(backlogKind, shard), rank), ...indexEntry('projectBacklog', taskPartitions.projectBacklog(backlogKind, task.projectId), rank) }
      : {}),
  };
}

/**
 * The task item: everything but the long text (see TASK_TEXT_SK); `textFields` as the task's internal
 * state says. A task read from an item that still carries its text keeps it there until a change moves it.
 */
export const taskItem = (task: Task): Item => {
  const internal = internalOf(task);
  const stored: Item = { ...task };
  if (!internal.inlineText) for (const field of TEXT_FIELDS) delete stored[field];
  for (const name of INTERNAL_ATTRIBUTES) {
    const value = internal[name];
    if (value !== undefined && !(Array.isArray(value) && !value.length)) stored[name] = value;
  }
  return { ...stored, pk: taskPk(task.id), sk: TASK_SK, ...taskIndexEntries(task) };
};

/** The task's text item (only when it has text). */
export const textItem = (id: string, text: TaskText): Item => ({ ...text, pk: taskPk(id), sk: TASK_TEXT_SK });

/** The write that leaves the text item as `text` says: a Put, or a Delete when the task has no text left. */
const textWrite = (id: string, text: TaskText): TransactItem =>
  Object.keys(text).length
    ? { Put: { TableName: tableName(), Item: textItem(id, text) } }
    : { Delete: { TableName: tableName(), Key: { pk: taskPk(id), sk: TASK_TEXT_SK } } };

/** `task` as it will be stored, its `textFields` set from its (fully read) text. */
const withTextState = (task: Task): StoredTask =>
  withInternal(task, { ...internalOf(task), textFields: TEXT_FIELDS.filter((field) => task[field] !== undefined), inlineText: undefined });

/** A stored task item as a Task, its internal attributes tucked under TASK_INTERNAL (text, if any, not joined yet). */
export function fromItem(item: Record<string, unknown>): StoredTask {
  // One pass, no `delete` (see stripKeys): lists turn every item they read into a task.
  const copy: Record<string | symbol, unknown> = {};
  const internal: Record<string, unknown> = {};
  for (const name of Object.keys(item)) {
    if (!INTERNAL.has(name)) copy[name] = item[name];
    else if (item[name] !== undefined) internal[name] = item[name];
  }
  if (hasAnyText(copy as Partial<Task>)) internal.inlineText = true;
  copy[TASK_INTERNAL] = internal;
  return copy as unknown as StoredTask;
}

/** The task with its text item's fields (a text item wins over text an old item still carries itself). */
function joinText(task: StoredTask, text: Record<string, unknown> | undefined): StoredTask {
  if (!text) return task;
  const joined: Record<string, unknown> = { ...task };
  for (const field of TEXT_FIELDS) if (text[field] !== undefined) joined[field] = text[field];
  return withInternal(joined as unknown as Task, internalOf(task));
}

/** Reads the text items of the tasks that have one (one BatchGetItem per 100) and joins them. */
async function withText(tasks: StoredTask[]): Promise<StoredTask[]> {
  const keys = tasks.filter((task) => internalOf(task).textFields?.length).map((task) => ({ pk: taskPk(task.id), sk: TASK_TEXT_SK }));
  if (keys.length === 0) return tasks;
  const texts = new Map((await hydrate(tableName(), keys)).map((item) => [String(item.pk), item]));
  return tasks.map((task) => joinText(task, texts.get(taskPk(task.id))));
}

/** A page of task items (index keys stripped) as tasks: internal state tucked away and, unless `text` is false, text joined. */
async function taskPage(page: Promise<Page<Record<string, unknown>>>, text: boolean): Promise<Page<Task>> {
  const { items, cursor } = await page;
  const tasks = items.map((item) => fromItem(item));
  return { items: text ? await withText(tasks) : tasks, ...(cursor ? { cursor } : {}) };
}

/** Event items sort by time; a pending event's key is fixed by its task version, so writing it twice writes one item. */
export const taskEventItem = (event: TaskEvent, key?: string): Item => ({
  ...event,
  pk: taskPk(event.taskId),
  sk: `EVENT#${event.at}#${key ?? Math.random().toString(36).slice(2, 10)}`,
});

const pendingEventItem = (event: TaskEvent & { key?: string }): Item => {
  const { key, ...rest } = event;
  return taskEventItem(rest, key);
};

export const dependentPk = taskPk;
/** One item per project whose version guards edits of its tasks' dependencies (see services/dependency-edits.ts). */
const graphPk = (projectId: string) => `DEPENDENCY_GRAPH#${projectId}`;
const GRAPH_SK = 'GRAPH';
export const dependentSk = (id: string) => `DEPENDENT#${id}`;

/** Picks the most selective index for a filter combination; remaining filters run inside the Query. */
function listTaskItems(query: TaskListQuery): Promise<Page<Record<string, unknown>>> {
  const { projectId, state, assignedAgentId, ready, blocked } = query;
  const page = { tableName: tableName(), limit: query.limit, cursor: query.cursor };
  if (ready || blocked) {
    if (ready && blocked) throw new ValidationError("Use either 'ready' or 'blocked', not both");
    if (assignedAgentId || (state && state !== 'backlog')) {
      throw new ValidationError("'ready' and 'blocked' select backlog tasks; they go with projectId only");
    }
    const kind: BacklogKind = ready ? 'READY' : 'BLOCKED';
    if (projectId) return queryPage<Task>({ ...page, index: 'projectBacklog', partitionValue: taskPartitions.projectBacklog(kind, projectId) });
    return queryShardedPage<Task>({ ...page, index: 'backlog', partitionValues: allShards().map((shard) => taskPartitions.backlog(kind, shard)) });
  }
  if (assignedAgentId) {
    const filters: Record<string, string> = {};
    if (projectId) filters.projectId = projectId;
    if (state) filters.state = state;
    return queryPage({ ...page, index: 'assignee', partitionValue: taskPartitions.assignee(assignedAgentId), filters });
  }
  if (projectId && state) return queryPage({ ...page, index: 'projectState', partitionValue: taskPartitions.projectState(projectId, state) });
  if (projectId) return queryPage({ ...page, index: 'owner', partitionValue: `PROJECT_TASKS#${projectId}` });
  if (state) return queryShardedPage({ ...page, index: 'status', partitionValues: allShards().map((shard) => `TASK_STATE#${state}#${shard}`) });
  return queryPage({ ...page, index: 'all', partitionValue: 'TASKS' });
}

export const taskRepository = {
  /** The task with its text: one strongly consistent Query for its two items (`TASK`, `TEXT`). */
  get: async (id: string): Promise<StoredTask | undefined> => {
    const result = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :task AND :text',
        ExpressionAttributeValues: { ':pk': taskPk(id), ':task': TASK_SK, ':text': TASK_TEXT_SK },
        ConsistentRead: true,
      }),
    );
    const items = result.Items ?? [];
    const item = items.find((candidate) => candidate.sk === TASK_SK);
    if (!item) return undefined;
    const text = items.find((candidate) => candidate.sk === TASK_TEXT_SK);
    return joinText(fromItem(stripKeys(item)), text);
  },
  /** The task's text joined to a task read from its item alone (a claim's answer); no read when it has none. */
  withText: async (task: StoredTask): Promise<StoredTask> => (await withText([task]))[0],
  /** A new task (`expectedVersion` undefined) or a whole task written over: its item and, when it has text, its text item. */
  put: (task: Task, expectedVersion: number | undefined, extra?: Parameters<typeof versionedPut>[2]): TransactItem[] => {
    const stored = withTextState(task);
    return [versionedPut(taskItem(stored), expectedVersion, extra), ...(internalOf(stored).textFields?.length || expectedVersion !== undefined ? [textWrite(task.id, textOf(task))] : [])];
  },
  /**
   * Writes `next` over `task` (guarded by task's version), its text item when the text changed, and turns
   * task's pending events into event items in the same transaction; the first item is the task's.
   * Both must have been read with their text (get, lists).
   */
  change: (task: Task, next: Task, extra?: Parameters<typeof versionedPut>[2]): TransactItem[] => {
    const internal = internalOf(next);
    const flushed = withTextState(internal.pendingEvents?.length ? withInternal(next, { ...internal, pendingEvents: undefined }) : next);
    const textChanged = internalOf(task).inlineText || TEXT_FIELDS.some((field) => task[field] !== next[field]);
    return [
      versionedPut(taskItem(flushed), task.version, extra),
      ...(textChanged ? [textWrite(next.id, textOf(next))] : []),
      ...taskRepository.pendingEventPuts(task),
    ];
  },
  eventPut: (event: TaskEvent): TransactItem => ({ Put: { TableName: tableName(), Item: taskEventItem(event) } }),
  /** The pending events of `task` as event items, to write with the next change of the task. */
  pendingEventPuts: (task: Task): TransactItem[] =>
    (internalOf(task).pendingEvents ?? []).map((event) => ({ Put: { TableName: tableName(), Item: pendingEventItem(event) } })),
  /** Writes the pending events of `task` as event items now (idempotent), e.g. before its events are listed. */
  flushPendingEvents: async (task: Task): Promise<void> => {
    const pending = internalOf(task).pendingEvents ?? [];
    if (pending.length === 0) return;
    let requests: Record<string, unknown>[] = pending.map((event) => ({ PutRequest: { Item: pendingEventItem(event) } }));
    while (requests.length) {
      const result = await documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests as never } }));
      requests = (result.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined) ?? [];
    }
  },
  /** Deletes the task if it is still at `expectedVersion` (part of a transaction). */
  delete: (id: string, expectedVersion: number): TransactItem => versionedDelete(taskPk(id), TASK_SK, expectedVersion),
  /** Deletes the task's text item (with the task's delete). */
  deleteText: (id: string): TransactItem => ({ Delete: { TableName: tableName(), Key: { pk: taskPk(id), sk: TASK_TEXT_SK } } }),
  /** Deletes every event of a (deleted) task: a Query of its partition, keys only, then batched deletes. */
  deleteEvents: (taskId: string): Promise<number> => deletePrefixed(taskPk(taskId), 'EVENT#'),
  /** A page of tasks; `text: false` leaves their text out (the board's list: one read per task, not two). */
  list: (query: TaskListQuery, options: { text?: boolean } = {}): Promise<Page<Task>> => taskPage(listTaskItems(query), options.text ?? true),
  events: (taskId: string, limit: number, cursor?: string): Promise<Page<TaskEvent>> =>
    queryPage<TaskEvent>({ tableName: tableName(), partitionValue: taskPk(taskId), sortPrefix: 'EVENT#', limit, cursor }),
  /** Ids of the tasks that depend on this one. */
  dependents: async (taskId: string): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryPage<{ dependentId: string }>({ tableName: tableName(), partitionValue: taskPk(taskId), sortPrefix: 'DEPENDENT#', limit: 100, cursor });
      ids.push(...page.items.map((edge) => edge.dependentId));
      cursor = page.cursor;
    } while (cursor);
    return ids;
  },
  /** Whether `dependentId` has its edge under `taskId` (written while `taskId` was open for it). */
  hasDependentEdge: async (taskId: string, dependentId: string): Promise<boolean> => !!(await getItem(taskPk(taskId), dependentSk(dependentId))),
  /** A new dependent of `dependency` (read at its version): its edge, and the dependency's count and version bumped, guarded by that version. */
  addDependentEdge: (dependency: Task, dependentId: string): TransactItem[] => [
    {
      Update: {
        TableName: tableName(),
        Key: { pk: taskPk(dependency.id), sk: TASK_SK },
        UpdateExpression: 'SET version = version + :one, dependents = if_not_exists(dependents, :zero) + :one',
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':version': dependency.version },
      },
    },
    { Put: { TableName: tableName(), Item: { pk: taskPk(dependency.id), sk: dependentSk(dependentId), dependentId } } },
  ],
  /** Takes a dependent's edge away from `taskId` (which must still exist) and counts one dependent less. */
  removeDependentEdge: (taskId: string, dependentId: string): TransactItem[] => [
    {
      Update: {
        TableName: tableName(),
        Key: { pk: taskPk(taskId), sk: TASK_SK },
        UpdateExpression: 'SET dependents = if_not_exists(dependents, :one) - :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
    { Delete: { TableName: tableName(), Key: { pk: taskPk(taskId), sk: dependentSk(dependentId) } } },
  ],
  /** Deletes the dependent edges under a (deleted) task. */
  deleteDependentEdges: async (taskId: string): Promise<void> => {
    const ids = await taskRepository.dependents(taskId);
    await deleteKeys(ids.map((id) => ({ pk: taskPk(taskId), sk: dependentSk(id) })));
  },
  /**
   * The version of a project's dependency graph: every edit that adds dependencies in the project bumps it,
   * guarded by the version its cycle check saw (0: never edited).
   */
  dependencyGraphVersion: async (projectId: string): Promise<number> => ((await getItem<{ version: number }>(graphPk(projectId), GRAPH_SK))?.version ?? 0),
  dependencyGraphUpdate: (projectId: string, seen: number): TransactItem => ({
    Update: {
      TableName: tableName(),
      Key: { pk: graphPk(projectId), sk: GRAPH_SK },
      UpdateExpression: 'SET version = :next',
      ConditionExpression: seen ? 'version = :seen' : 'attribute_not_exists(pk)',
      ExpressionAttributeValues: { ':next': seen + 1, ...(seen ? { ':seen': seen } : {}) },
    },
  }),
  hasAnyInProject: async (projectId: string): Promise<boolean> =>
    (await queryPage<Record<string, unknown>>({ tableName: tableName(), index: 'owner', partitionValue: `PROJECT_TASKS#${projectId}`, limit: 1 })).items.length > 0,
};

export type { TaskState };
