import { config } from '../config.js';
import { now } from '../ids.js';
import { agentRepository } from '../db/agent-repository.js';
import { leaseRepository } from '../db/lease-repository.js';
import { allShards } from '../db/keys.js';
import { taskRepository } from '../db/task-repository.js';
import type { TransactItem } from '../db/store.js';
import type { AgentRecord, AgentStatus } from '../schemas/agent.js';
import type { Task } from '../schemas/task.js';
import { applyStateChange, stateEvent } from './task-changes.js';
import { dispatchNotifications, projectNotification } from './notifications.js';
import { clockDate } from '../clock.js';

/**
 * Leases. An agent is alive while it calls: every MCP request and heartbeat moves its `lastSeenAt`.
 * One silent for longer than the lease (AIWORKER_LEASE_SECONDS, default 300) is marked `offline`, and
 * its `in_progress` task goes back to `backlog` with a `lease_expired` event, so no task stays stuck
 * with a dead agent.
 *
 * A task in `needs_input` waits for a person, not for the agent: it is left alone and its agent stays
 * `busy` holding it, so an agent that comes back finds its task (and the answer) with get_next_task.
 * Once a person answers (the task returns to `in_progress`) and the agent is still silent, the next
 * sweep puts the task back in the backlog.
 *
 * Each agent is handled in ONE transaction guarded by the `lastSeenAt` the sweeper read (and the task's
 * version), so a heartbeat or tool call that lands meanwhile wins and nothing is taken from a live agent.
 */

export interface SweepResult {
  /** Agents marked offline. */
  expiredAgents: string[];
  /** Tasks sent back to the backlog. */
  releasedTasks: string[];
  /** Silent agents left as they are: their task waits for a person (needs_input), or they came back meanwhile. */
  skippedAgents: string[];
}

const PAGE = 100;
/** Agents expired at once, over every partition. */
const PARALLEL = 8;

/**
 * Every (status, shard) partition of silent agents is read side by side (16 Queries in one round trip, not
 * 16 in turn: a scheduled sweep's first run waited for each before); expiries share one bound of PARALLEL.
 */
export async function sweepExpiredLeases(at: Date = clockDate()): Promise<SweepResult> {
  const cutoff = new Date(at.getTime() - config().leaseSeconds * 1000).toISOString();
  const result: SweepResult = { expiredAgents: [], releasedTasks: [], skippedAgents: [] };
  const expire = bounded(PARALLEL);
  const partitions = (['busy', 'idle'] as const satisfies readonly AgentStatus[]).flatMap((status) => allShards().map((shard) => ({ status, shard })));
  await Promise.all(
    partitions.map(async ({ status, shard }) => {
      let cursor: string | undefined;
      do {
        const page = await agentRepository.silentSince(status, shard, cutoff, PAGE, cursor);
        await Promise.all(page.items.map((agent) => expire(() => expireLease(agent, cutoff, result))));
        cursor = page.cursor;
      } while (cursor);
    }),
  );
  return result;
}

/** Runs at most `limit` of the functions it is given at once, the rest in the order they came. */
function bounded(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    // A slot freed is handed to the first waiting straight away (never counted free in between).
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

async function expireLease(agent: AgentRecord, cutoff: string, result: SweepResult): Promise<void> {
  if (agent.lastSeenAt >= cutoff) return;
  const at = now();
  const task = agent.currentTaskId ? await taskRepository.get(agent.currentTaskId) : undefined;
  const holdsTask = !!task && task.assignedAgentId === agent.id && agent.currentTaskId === task.id;
  if (holdsTask && task.state === 'needs_input') {
    result.skippedAgents.push(agent.id);
    return;
  }

  const items: TransactItem[] = [];
  let released: Task | undefined;
  if (holdsTask && task.state === 'in_progress') {
    const note = `Lease expired: agent ${agent.id} (${agent.name}) was last seen at ${agent.lastSeenAt}, more than ${config().leaseSeconds} s ago; the task went back to the backlog`;
    const change = { to: 'backlog' as const, eventType: 'lease_expired', agentId: agent.id, note };
    released = { ...applyStateChange(task, change), updatedAt: at, version: task.version + 1 };
    items.push(...taskRepository.change(task, released), taskRepository.eventPut(stateEvent(task, released, change)));
  }
  items.push(leaseRepository.offlineUpdate(agent, at));
  // The project of the task it dropped hears about it (an agent silent without a task concerns no project).
  const notice = released
    ? await projectNotification(released.projectId, {
        event: 'agent.lease_expired',
        message: `Agent ${agent.name} (${agent.id}) went silent (last seen ${agent.lastSeenAt}); task "${released.title}" went back to the backlog`,
        taskId: released.id,
        taskTitle: released.title,
        taskState: released.state,
        agentId: agent.id,
      })
    : undefined;
  if (notice) items.push(notice.put);

  if (!(await leaseRepository.commit(items))) {
    // A heartbeat or tool call landed (or the task moved on) meanwhile: the agent keeps everything.
    result.skippedAgents.push(agent.id);
    return;
  }
  result.expiredAgents.push(agent.id);
  if (released) result.releasedTasks.push(released.id);
  await dispatchNotifications([notice?.jobId]);
}
