import { ConflictError } from '../errors.js';
import { now } from '../ids.js';
import type { Task } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { changeTask } from './tasks.js';
import { ActorName } from './actor-names.js';
import { applyStateChange } from './task-changes.js';

/**
 * A person steers a run from the board: Stop ends it (the task goes to the backlog, held there so no
 * agent takes it straight back), Retry lets a held task (given back by its runner, stopped, or whose
 * Gitea job failed) be claimed again. The runner hears of a Stop in its next log batch (append_log
 * answers `stop`, at least every 2 s) and ends the command's process group.
 */
export function stopTask(id: string, actor: string | undefined): Promise<Task> {
  return changeTask(id, undefined, (task) => {
    if (!isActive(task.state)) {
      throw new ConflictError(`Task '${id}' is in '${task.state}'; only a task an agent is working on (in_progress or needs_input) can be stopped`, { state: task.state });
    }
    const who = ActorName(actor);
    const agentId = task.assignedAgentId;
    const held = `${who} stopped it${agentId ? ` while agent ${agentId} worked on it` : ''}`;
    const next: Task = { ...applyStateChange(task, { to: 'backlog' }), held, stopped: { by: actor ?? 'a user', at: now(), ...(agentId ? { agentId } : {}) } };
    return {
      next,
      change: { to: 'backlog', eventType: 'stopped', actor, note: `${held}; the task waits in the backlog until someone retries it` },
    };
  });
}

export function retryTask(id: string, actor: string | undefined): Promise<Task> {
  return changeTask(id, undefined, (task) => {
    if (task.state !== 'backlog' || (!task.held && !task.lastError)) {
      throw new ConflictError(
        `Task '${id}' has nothing to retry: Retry is for a backlog task its runner gave back, a person stopped, or whose Gitea job failed (it is in '${task.state}'${task.state === 'backlog' ? ' and claimable already' : ''})`,
        { state: task.state },
      );
    }
    const next: Task = { ...task };
    const why = task.held ?? `its last job failed: ${task.lastError}`;
    delete next.held;
    delete next.lastError;
    return { next, event: { taskId: id, at: now(), type: 'retried', ...(actor ? { actor } : {}), message: `${ActorName(actor)} retried the task (${why.slice(0, 500)}); it can be claimed again` } };
  });
}
