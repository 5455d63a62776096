import { now } from '../../packages/core/src/ids.js';
import { assignAgentUpdate } from '../../packages/core/src/db/agent-repository.js';
import { taskRepository } from '../../packages/core/src/db/task-repository.js';
import { transact } from '../../packages/core/src/db/store.js';
import type { Task } from '../../packages/core/src/schemas/task.js';
import { applyStateChange, saveTaskChange, stateEvent } from '../../packages/core/src/services/task-changes.js';

/**
 * Hands a backlog task to an agent the way a claim does (task → in_progress with the agent, agent → busy,
 * one transaction). The REST API has no endpoint for this — agents claim over MCP — so list filters by
 * assignee and agent status are set up through core, in the runtime's own process and table.
 */
export async function assignTask(taskId: string, agentId: string): Promise<Task> {
  const task = await taskRepository.get(taskId);
  if (!task || task.state !== 'backlog') throw new Error(`Task ${taskId} is not in backlog`);
  const at = now();
  const next: Task = { ...task, state: 'in_progress', assignedAgentId: agentId, updatedAt: at, version: task.version + 1 };
  const failed = await transact([...taskRepository.put(next, task.version), assignAgentUpdate(agentId, taskId, at)]);
  if (failed.length) throw new Error(`Could not assign task ${taskId} to agent ${agentId} (failed: ${failed.join(',')})`);
  return next;
}

/**
 * What the sweeper does when an agent's lease runs out: the task goes back to backlog and the agent is
 * marked offline, in one transaction.
 */
export async function expireLease(taskId: string): Promise<void> {
  const task = await taskRepository.get(taskId);
  if (!task) throw new Error(`No task ${taskId}`);
  const change = { to: 'backlog' as const, eventType: 'lease_expired' };
  const next = { ...applyStateChange(task, change), updatedAt: now(), version: task.version + 1 };
  if (!(await saveTaskChange(task, next, stateEvent(task, next, change), { releaseStatus: 'offline' }))) {
    throw new Error(`Could not expire the lease on ${taskId}`);
  }
}
