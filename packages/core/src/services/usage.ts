import { ConflictError, NotFoundError } from '../errors.js';
import { now } from '../ids.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { transact } from '../db/store.js';
import { AGAIN, retry } from '../db/retry.js';
import { addedUsage, usageRepository, utcDay } from '../db/usage-repository.js';
import type { Project } from '../schemas/project.js';
import type { AttemptReport, Usage } from '../schemas/run.js';
import type { Task } from '../schemas/task.js';
import { dispatchNotifications, notificationJob } from './notifications.js';
import { agentRunAccess } from './task-log.js';
import { clockMs } from '../clock.js';

const money = (usd: number) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;

/** How a run is known when its report comes again: its id, or the claim it ran under and its number. */
const attemptKey = (task: Task, agentId: string, report: AttemptReport): string =>
  report.attemptId ? `id#${report.attemptId}` : `run#${agentId}#${task.claimedAt ?? task.stopped?.at ?? ''}#${report.attempt}`;

/**
 * `report_attempt`: one run of the coding command ended. Its wall time, exit and (when the command
 * reported them) tokens and cost are added to the task's usage, the project's totals and the project's
 * cost of the UTC day, with an `attempt` event, in one transaction with the run's mark: a report sent again
 * (a runner retrying after a lost answer, even at the same moment) counts once and answers `counted: false`.
 * The day's cost reaching the project's budget sends one notification per project and UTC day.
 */
export async function recordAttempt(agentId: string, report: AttemptReport): Promise<{ usage: Usage; dayCostUsd: number; counted: boolean }> {
  const day = utcDay();
  let withProject = true;
  const giveUp = () => new ConflictError(`Task '${report.taskId}' kept changing; report the attempt again`);
  return retry({ attempts: 20, giveUp, backoffMs: () => 0 }, async () => {
    const task = await taskRepository.get(report.taskId);
    if (!task) throw new NotFoundError('Task', report.taskId);
    agentRunAccess(task, agentId);
    const usage = addedUsage(task.usage, report);
    const at = now();
    const items = [
      usageRepository.taskUsageUpdate(task.id, usage, task.version, at),
      usageRepository.attemptMark(task.id, attemptKey(task, agentId, report), at),
      taskRepository.eventPut({ taskId: task.id, at, type: 'attempt', agentId, actor: `agent:${agentId}`, message: attemptMessage(report) }),
      ...(withProject ? [usageRepository.projectUsageAdd(task.projectId, report)] : []),
      ...(report.costUsd ? [usageRepository.dayCostAdd(task.projectId, day, report.costUsd)] : []),
    ];
    const failed = await transact(items);
    if (failed.includes(1)) {
      // Counted before: the task's usage as it stands.
      const current = (await taskRepository.get(task.id))?.usage ?? task.usage ?? addedUsage(undefined, report);
      return { usage: current, dayCostUsd: await usageRepository.dayCost(task.projectId, day), counted: false };
    }
    if (failed.length === 0) {
      const dayCostUsd = report.costUsd ? await usageRepository.dayCost(task.projectId, day) : 0;
      if (report.costUsd) {
        dayCosts.set(`${task.projectId}#${day}`, { at: clockMs(), cost: Promise.resolve(dayCostUsd) });
        await notifyIfBudgetReached(task.projectId, day, dayCostUsd);
      }
      return { usage, dayCostUsd, counted: true };
    }
    // The project is gone (nothing to total), or the task moved on: read it again.
    if (withProject && failed.includes(3)) withProject = false;
    return AGAIN;
  });
}

function attemptMessage(report: AttemptReport): string {
  const tokens = report.inputTokens !== undefined || report.outputTokens !== undefined ? `; ${report.inputTokens ?? 0} tokens in, ${report.outputTokens ?? 0} out` : '';
  const cost = report.costUsd !== undefined ? `; ${money(report.costUsd)}` : '';
  return `Attempt ${report.attempt}: ${report.exit} after ${Math.round(report.seconds)} s${tokens}${cost}`;
}

/** The notification's job id is fixed per project and UTC day, so however many reports find the budget reached, one is sent. */
async function notifyIfBudgetReached(projectId: string, day: string, dayCost: number): Promise<void> {
  const project = await projectRepository.get(projectId);
  const limit = project?.budget?.costUsdPerDay;
  if (!project || !limit || dayCost < limit) return;
  const notice = notificationJob(
    project,
    {
      event: 'project.budget_reached',
      message: `Project "${project.name}" reached its budget of ${money(limit)} for ${day} (UTC): ${money(dayCost)} spent. Its tasks are not claimed until 00:00 UTC.`,
    },
    `budget-${project.id}-${day}`,
  );
  if (!notice) return;
  if ((await transact([notice.put])).length === 0) await dispatchNotifications([notice.jobId]);
}

/**
 * Why a claim may not take a task of `project` now (its budget for the UTC day is used up), or undefined.
 * The day's cost is read at most every FRESH_MS per project in a process (a claim reads it only for a
 * project with a budget).
 */
const FRESH_MS = 2_000;
const dayCosts = new Map<string, { at: number; cost: Promise<number> }>();

export async function budgetRefusal(project: Pick<Project, 'id' | 'name' | 'budget'>): Promise<string | undefined> {
  const limit = project.budget?.costUsdPerDay;
  if (!limit) return undefined;
  const day = utcDay();
  const key = `${project.id}#${day}`;
  let copy = dayCosts.get(key);
  if (!copy || clockMs() - copy.at > FRESH_MS) {
    copy = { at: clockMs(), cost: usageRepository.dayCost(project.id, day) };
    dayCosts.set(key, copy);
    copy.cost.catch(() => dayCosts.delete(key));
  }
  const spent = await copy.cost;
  if (spent < limit) return undefined;
  return `Project '${project.name}' (${project.id}) reached its budget of ${money(limit)} for ${day} (UTC): ${money(spent)} spent. Its tasks are claimed again from 00:00 UTC, or when a person raises the budget (PATCH /api/projects/${project.id}).`;
}
