import { config } from '../config.js';
import { projectRepository } from '../db/project-repository.js';
import type { JobInputOf, JobRecord } from '../schemas/job.js';
import { PermanentJobError } from './job-retry.js';
import { sendNotification } from '@aiworker/notification-sender';

const TIMEOUT_MS = 10_000;

/** A failure worth retrying (the URL failed or could not be reached): the worker backs off and tries again. */
class RetryableNotificationError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** AIWORKER_NOTIFY_ALLOW_PRIVATE=true: notifications may go to loopback, link-local and private addresses (a laptop, a private network). */
const internalAllowed = () => config().notifyAllowPrivate;

function slackText(input: JobInputOf<'send_notification'>, projectName: string): string {
  return `*aiworker* · ${projectName} (${input.owner}/${input.repo})\n${input.message}`;
}

/**
 * Sends one notification (a `send_notification` job) to the project's URL, as it is when the job runs
 * (a project that turned notifications off since gets none). `json`: the event as JSON, signed with the
 * project's secret (@aiworker/notification-sender); `slack`: Slack's `{"text"}`.
 */
export async function deliverNotification(job: JobRecord, input: JobInputOf<'send_notification'>): Promise<Record<string, unknown>> {
  const project = await projectRepository.get(job.projectId);
  if (!project?.notifyUrl) return { skipped: true, reason: 'the project has no notification URL (any more)' };
  const format = project.notifyFormat ?? 'json';
  const { type: _type, ...details } = input;
  const body =
    format === 'slack'
      ? JSON.stringify({ text: slackText(input, project.name) })
      : JSON.stringify({ ...details, project: { id: project.id, name: project.name }, deliveryId: job.id, at: job.createdAt });
  const sent = await sendNotification({
    url: project.notifyUrl,
    body,
    ...(format === 'json' ? { signed: { event: input.event, deliveryId: job.id, secret: project.notifySecret } } : {}),
    timeoutMs: TIMEOUT_MS,
    allowInternal: internalAllowed(),
  });
  switch (sent.outcome) {
    case 'delivered':
      return { delivered: true, status: sent.status, host: sent.host, format };
    case 'internal-address':
      throw new PermanentJobError(
        `Notification to ${sent.host} refused: it is (or resolves to) a loopback, link-local or private address; a deployment that means it sets AIWORKER_NOTIFY_ALLOW_PRIVATE=true`,
      );
    case 'retry':
      throw new RetryableNotificationError(sent.message, sent.retryAfterSeconds);
    case 'refused':
      throw new PermanentJobError(sent.message);
  }
}
