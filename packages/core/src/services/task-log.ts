import { config } from '../config.js';
import { ForbiddenError, InvalidCursorError, NotFoundError, ValidationError } from '../errors.js';
import { now } from '../ids.js';
import { logRepository } from '../db/log-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { LOG_BATCH_CHARS, type LogEntry, type TaskLogQuery } from '../schemas/run.js';
import type { Task } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { assertAssigned } from './agent-tasks.js';
import { actorName } from './actor-names.js';
import { clockMs } from '../clock.js';

/** How long a task's log is kept (DynamoDB TTL); AIWORKER_LOG_RETENTION_DAYS. */
export const logRetentionDays = (): number => {
  const days = config().logRetentionDays;
  return Number.isFinite(days) && days > 0 ? days : 14;
};

/** After a person stops a task, the agent that worked on it may still send its last output (and hears `stop`) this long. */
const AFTER_STOP_MS = 5 * 60_000;

export interface AppendLogInput {
  taskId: string;
  attempt?: number;
  lines: Array<{ stream: LogEntry['stream']; text: string; at?: string }>;
}

export interface AppendLogAnswer {
  /** True when a person stopped the task: end the coding command now. */
  stop: boolean;
  written: number;
  message: string;
}

/**
 * The agent may write a task's log while it holds the task, and for a little while after a person stopped
 * it from this agent (its last output); any other agent is refused. Which of the two, the answer says.
 */
export function agentRunAccess(task: Task, agentId: string): 'holds' | 'stopped' {
  if (task.assignedAgentId === agentId && isActive(task.state)) return 'holds';
  const stopped = task.stopped;
  if (stopped?.agentId === agentId && clockMs() - Date.parse(stopped.at) < AFTER_STOP_MS) return 'stopped';
  assertAssigned(task, agentId);
  throw new ForbiddenError(`Task '${task.id}' is in '${task.state}' and no longer in your hands`);
}

export const stopMessage = (task: Task): string =>
  `${actorName(task.stopped?.by).replace(/^./, (c) => c.toUpperCase())} stopped task ${task.id} at ${task.stopped?.at}: end the coding command now; the task is in '${task.state}' and no longer yours`;

/** `append_log`: one batch of the task's output, kept for logRetentionDays; answers whether to stop. */
export async function appendTaskLog(agentId: string, input: AppendLogInput): Promise<AppendLogAnswer> {
  const task = await taskRepository.get(input.taskId);
  if (!task) throw new NotFoundError('Task', input.taskId);
  const access = agentRunAccess(task, agentId);
  const chars = input.lines.reduce((sum, line) => sum + line.text.length, 0);
  if (chars > LOG_BATCH_CHARS) throw new ValidationError(`A log batch holds at most ${LOG_BATCH_CHARS} characters of text; this one has ${chars}: send it in smaller batches`);
  if (input.lines.length) {
    const at = now();
    const lines = input.lines.map((line) => ({ at: line.at ?? at, stream: line.stream, text: line.text }));
    await logRepository.append(task.id, at, { attempt: input.attempt ?? 1, lines }, logRetentionDays());
  }
  if (access === 'stopped') return { stop: true, written: input.lines.length, message: stopMessage(task) };
  return { stop: false, written: input.lines.length, message: `${input.lines.length} line(s) added to the log of task ${task.id}` };
}

/**
 * `GET /api/tasks/{id}/log`: what came after `after`, oldest first, and the cursor to follow with. People
 * read any task's log; an agent only that of a task it holds.
 */
export async function readTaskLog(taskId: string, query: TaskLogQuery, agentId?: string): Promise<{ items: LogEntry[]; cursor: string }> {
  const task = await taskRepository.get(taskId);
  if (!task) throw new NotFoundError('Task', taskId);
  if (agentId) assertAssigned(task, agentId);
  try {
    const { entries, cursor } = await logRepository.read(taskId, query.after, query.limit);
    return { items: entries, cursor };
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new ValidationError("'after' is not a cursor this log returned; leave it out to read from the start", { after: 'invalid' });
    throw error;
  }
}
