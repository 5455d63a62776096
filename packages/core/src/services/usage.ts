import { ConflictError, NotFoundError } from '../errors.js';
import { now } from '../ids.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import { transact } from '../db/store.js';
import { AGAIN, retry } from '../db/retry.js';
import { addedUsage, usageRepository, utcDay } from '../db/usage-repository.js';
import type { Project } from '../schemas/project.js';
import type { AttemptReport, Usage } from '../schemas/run.js';
import { dispatchNotifications, notificationJob } from './notifications.js';
import { agentRunAccess } from './task-log.js';

const money = (usd: number) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;

/**
 * `report_attempt`: one run of the coding command ended. Its wall time, exit and (when the command
 * reported them) tokens and cost are added to the task's usage, the project's totals and the project's
 * cost of the UTC day; an `attempt` event tells the task's history. The day's cost crossing the project's
 * budget sends one notification (the atomic ADD makes exactly one report cross it).
 */
export async function recordAttempt(agentId: string, report: AttemptReport): Promise<{ usage: Usage; dayCostUsd: number }> {
  const giveUp = () => new ConflictError(`Task '${report.taskId}' kept changing; report the attempt again`);
  const task = await retry({ attempts: 20, giveUp, backoffMs: () => 0 }, async () => {
    const task = await taskRepository.get(report.taskId);
    if (!task) throw new NotFoundError('Task', report.taskId);
    agentRunAccess(task, agentId);
    return (await usageRepository.setTaskUsage(task.id, addedUsage(task.usage, report), task.version, now())) ? task : AGAIN;
  });
  const usage = addedUsage(task.usage, report);
  const tokens = report.inputTokens !== undefined || report.outputTokens !== undefined ? `; ${report.inputTokens ?? 0} tokens in, ${report.outputTokens ?? 0} out` : '';
  const cost = report.costUsd !== undefined ? `; ${money(report.costUsd)}` : '';
  await usageRepository.putEvent({
    taskId: task.id,
    at: now(),
    type: 'attempt',
    agentId,
    actor: `agent:${agentId}`,
    message: `Attempt ${report.attempt}: ${report.exit} after ${Math.round(report.seconds)} s${tokens}${cost}`,
  });
  await usageRepository.addProjectUsage(task.projectId, report);
  let dayCostUsd = 0;
  if (report.costUsd) {
    dayCostUsd = await usageRepository.addDayCost(task.projectId, utcDay(), report.costUsd);
    dayCosts.set(`${task.projectId}#${utcDay()}`, { at: Date.now(), cost: Promise.resolve(dayCostUsd) });
    await notifyIfBudgetReached(task.projectId, dayCostUsd, report.costUsd);
  }
  return { usage, dayCostUsd };
}

async function notifyIfBudgetReached(projectId: string, dayCost: number, added: number): Promise<void> {
  const project = await projectRepository.get(projectId);
  const limit = project?.budget?.costUsdPerDay;
  if (!project || !limit || dayCost < limit || dayCost - added >= limit) return;
  const notice = notificationJob(project, {
    event: 'project.budget_reached',
    message: `Project "${project.name}" reached its budget of ${money(limit)} for ${utcDay()} (UTC): ${money(dayCost)} spent. Its tasks are not claimed until 00:00 UTC.`,
  });
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
  if (!copy || Date.now() - copy.at > FRESH_MS) {
    copy = { at: Date.now(), cost: usageRepository.dayCost(project.id, day) };
    dayCosts.set(key, copy);
    copy.cost.catch(() => dayCosts.delete(key));
  }
  const spent = await copy.cost;
  if (spent < limit) return undefined;
  return `Project '${project.name}' (${project.id}) reached its budget of ${money(limit)} for ${day} (UTC): ${money(spent)} spent. Its tasks are claimed again from 00:00 UTC, or when a person raises the budget (PATCH /api/projects/${project.id}).`;
}
