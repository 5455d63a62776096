import { config } from '../config.js';
import { now } from '../ids.js';
import { projectRepository } from '../db/project-repository.js';
import { taskRepository } from '../db/task-repository.js';
import type { Checks, Preview } from '../schemas/ci.js';
import type { Task, TaskEvent } from '../schemas/task.js';
import { dispatchNotifications, notificationJob } from './notifications.js';
import { saveTaskChange } from './task-changes.js';
import { clockDate } from '../clock.js';

/**
 * Previews (docs/previews.md). The project's `previewContext` names the commit status that carries a
 * pull request's preview: its `target_url` is the preview's link, its state the preview's state, and a
 * status whose description starts with "removed" says the stage was torn down. A preview still up
 * (success or pending) after its pull request was merged or closed, for longer than the grace period
 * (AIWORKER_PREVIEW_GRACE_SECONDS, default 1800), is reported once to the project's notification URL.
 */
const LIVE: readonly Preview['state'][] = ['success', 'pending'];

export const previewGraceSeconds = () => config().previewGraceSeconds;

/** The task's preview after `checks`; undefined when it does not change (no preview context, or it has not reported). */
export function previewOf(current: Preview | undefined, previewContext: string | undefined, checks: Checks | undefined): Preview | undefined {
  if (!previewContext || !checks) return undefined;
  const status = checks.contexts.find((context) => context.context === previewContext);
  if (!status) return undefined;
  const state: Preview['state'] = /^removed\b/i.test(status.description.trim()) ? 'removed' : status.state;
  const url = status.targetUrl ?? current?.url;
  const same = current?.state === state && current.sha === checks.sha;
  const next: Preview = {
    ...(url ? { url } : {}),
    state,
    sha: checks.sha,
    ...(same && current.closedSeenAt ? { closedSeenAt: current.closedSeenAt } : {}),
    ...(same && current.leakReportedAt ? { leakReportedAt: current.leakReportedAt } : {}),
  };
  return JSON.stringify(next) === JSON.stringify(current) ? undefined : next;
}

/**
 * For a task whose pull request is merged or closed: the first look records when; a look after the grace
 * period reports the preview (a notification in the same transaction as `leakReportedAt`, so once).
 */
export async function watchPreviewLeak(taskId: string, at: Date = clockDate()): Promise<'reported' | 'watching' | 'none'> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const task = await taskRepository.get(taskId);
    const preview = task?.preview;
    if (!task || !preview || !LIVE.includes(preview.state) || preview.leakReportedAt) return 'none';
    let next: Task;
    let event: TaskEvent | undefined;
    let notice: ReturnType<typeof notificationJob>;
    const stamp = now();
    if (!preview.closedSeenAt) {
      next = { ...task, preview: { ...preview, closedSeenAt: stamp } };
    } else {
      if (at.getTime() - Date.parse(preview.closedSeenAt) < previewGraceSeconds() * 1000) return 'watching';
      const message = `The preview of "${task.title}" (${preview.url ?? 'no link'}) is still ${preview.state === 'success' ? 'up' : 'deploying'} although its pull request #${task.prNumber ?? '?'} was merged or closed at least ${previewGraceSeconds()} s ago: its stage was not removed`;
      notice = notificationJob(await projectRepository.get(task.projectId), { event: 'preview.leaked', message, taskId: task.id, taskTitle: task.title, taskState: task.state });
      next = { ...task, preview: { ...preview, leakReportedAt: stamp } };
      event = { taskId: task.id, at: stamp, type: 'preview_leaked', actor: 'system:ci', message };
    }
    const saved = await saveTaskChange(task, { ...next, updatedAt: stamp, version: task.version + 1 }, event, { extra: notice ? [notice.put] : [] });
    if (saved) {
      await dispatchNotifications([notice?.jobId]);
      return event ? 'reported' : 'watching';
    }
  }
  return 'none';
}
