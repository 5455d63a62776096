import { newId, now } from '../ids.js';
import { jobRepository } from '../db/job-repository.js';
import { projectRepository, type ProjectRecord } from '../db/project-repository.js';
import type { TransactItem } from '../db/store.js';
import type { JobRecord, NotificationEvent } from '../schemas/job.js';
import { sendJobMessage } from './job-queue.js';
import { logger } from '../telemetry.js';

export interface NotificationSpec {
  event: NotificationEvent;
  message: string;
  taskId?: string;
  taskTitle?: string;
  taskState?: string;
  agentId?: string;
  failedJobId?: string;
}

/**
 * A notification to send, as a `send_notification` job written in the same transaction as what it tells
 * about (so it is never lost and never sent for a change that did not happen). After the transaction, the
 * caller hands its id to `dispatchNotifications`; if that send is lost, the job stays queued and the
 * worker's start-up re-send delivers it. No job when the project has no notification URL. A fixed `id`
 * makes the notification once-only: a second put of it fails its condition.
 */
export function notificationJob(project: ProjectRecord | undefined, spec: NotificationSpec, id: string = newId()): { put: TransactItem; jobId: string } | undefined {
  if (!project?.notifyUrl) return undefined;
  const at = now();
  const job: JobRecord = {
    id,
    type: 'send_notification',
    projectId: project.id,
    input: { type: 'send_notification', owner: project.giteaOwner, repo: project.giteaRepo, ...spec },
    status: 'queued',
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  return { put: jobRepository.put(job, undefined), jobId: job.id };
}

/** The project's notification job for `spec`, reading the project (undefined when it notifies nobody). */
export async function projectNotification(projectId: string, spec: NotificationSpec) {
  return notificationJob(await projectRepository.get(projectId), spec);
}

/** Sends the queue messages of notification jobs whose transaction went through; never throws. */
export async function dispatchNotifications(jobIds: Array<string | undefined>): Promise<void> {
  for (const jobId of jobIds) {
    if (!jobId) continue;
    await sendJobMessage(jobId).catch((error: unknown) =>
      logger.warn(`Notification job ${jobId} is recorded but could not be sent to the queue; it stays queued until re-sent`, { error: (error as Error).message }),
    );
  }
}
