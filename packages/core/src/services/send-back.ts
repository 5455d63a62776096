import { now } from '../ids.js';
import { agentPk, agentRepository, agentStatusPk, statusKeyNames } from '../db/agent-repository.js';
import { tableName, type TransactItem } from '../db/store.js';
import type { Task, TaskEvent } from '../schemas/task.js';
import { ActorName } from './actor-names.js';
import type { StateChange } from './task-changes.js';

/** What a change of a task writes: the task, the state change it makes, the writes that go with it, its event. */
export type Plan = { next: Task; change?: StateChange; extra?: TransactItem[]; event?: TaskEvent };

/** States a task is sent back from for rework (review and after). */
const SEND_BACK_STATES: readonly Task['state'][] = ['ready_to_test', 'approved', 'staging'];

/**
 * A finished task (ready_to_test, approved, staging) sent back to in_progress for rework: by changes requested
 * in Gitea, or by a person (for a task no agent has, only with feedback: without, the person works on it).
 */
export const isSendBack = (task: Task, to: Task['state']) => to === 'in_progress' && SEND_BACK_STATES.includes(task.state);

/**
 * Rework goes back to the agent that did the work (when it has one), as its one held task (an agent holds at most one;
 * an in_progress task is always held by its agent, which is what the lease sweeper relies on): if that
 * agent is free and online, it holds the task again (the task and the agent change in one transaction,
 * the agent only if it still holds nothing). Otherwise — it works on another task, is offline or gone —
 * the task goes to the backlog unassigned, where the next agent claims it, and the event says why.
 */
export async function sendBack(task: Task, next: Task, actor?: string): Promise<Plan> {
  const agentId = task.assignedAgentId;
  const agent = agentId ? await agentRepository.get(agentId) : undefined;
  const sentBack = `${ActorName(actor)} sent the task back from ${task.state} for rework`;
  if (agentId && agent && !agent.currentTaskId && agent.status !== 'offline') {
    return {
      // A new hold: results of jobs asked for before the task left the agent's hands move nothing.
      next: { ...next, claimedAt: now() },
      change: { to: 'in_progress', eventType: 'sent_back', actor, note: `${sentBack}; agent ${agentId} holds it again` },
      extra: [reattachAgentUpdate(agentId, task.id, now())],
    };
  }
  const why = !agentId
    ? 'no agent has it'
    : !agent
      ? `its agent ${agentId} no longer exists`
      : agent.status === 'offline'
        ? `its agent ${agentId} is offline`
        : `its agent ${agentId} is working on task ${agent.currentTaskId}`;
  const queued: Task = { ...next, state: 'backlog' };
  delete queued.assignedAgentId;
  delete queued.claimedAt;
  return { next: queued, change: { to: 'backlog', eventType: 'sent_back', actor, note: `${sentBack}; ${why}, so it waits in the backlog for the next agent` } };
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
