import { config } from '../config.js';
import { createHmac } from 'node:crypto';
import { projectRepository } from '../db/project-repository.js';
import type { JobInputOf, JobRecord } from '../schemas/job.js';
import { PermanentJobError } from './job-retry.js';
import { InternalAddressError, postTo, type PostResult } from './public-address.js';

const TIMEOUT_MS = 10_000;

/** A failure worth retrying (5xx, 429, timeout, network): the worker backs off and tries again. */
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

/** The URL's host only: a Slack incoming-webhook URL is itself a secret, so it is never logged or recorded. */
const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return 'the notification URL';
  }
};

function slackText(input: JobInputOf<'send_notification'>, projectName: string): string {
  return `*aiworker* · ${projectName} (${input.owner}/${input.repo})\n${input.message}`;
}

/**
 * Sends one notification (a `send_notification` job) to the project's URL, as it is when the job runs
 * (a project that turned notifications off since gets none). `json`: the event as JSON, signed with the
 * project's secret (X-Aiworker-Signature: sha256=<hex HMAC of the body>); `slack`: Slack's `{"text"}`.
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
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'aiworker' };
  if (format === 'json') {
    headers['x-aiworker-event'] = input.event;
    headers['x-aiworker-delivery'] = job.id;
    if (project.notifySecret) headers['x-aiworker-signature'] = `sha256=${createHmac('sha256', project.notifySecret).update(body).digest('hex')}`;
  }
  const host = hostOf(project.notifyUrl);
  let response: PostResult;
  try {
    response = await postTo(new URL(project.notifyUrl), { headers, body, timeoutMs: TIMEOUT_MS, allowInternal: internalAllowed() });
  } catch (error) {
    if (error instanceof InternalAddressError) {
      throw new PermanentJobError(
        `Notification to ${host} refused: it is (or resolves to) a loopback, link-local or private address; a deployment that means it sets AIWORKER_NOTIFY_ALLOW_PRIVATE=true`,
      );
    }
    // One text for refused, reset, unresolvable and silent alike: the job's record must not tell a port scan anything.
    throw new RetryableNotificationError(`Notification to ${host}: delivery failed`);
  }
  const ok = response.status >= 200 && response.status < 300;
  if (ok) return { delivered: true, status: response.status, host, format };
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    const retryAfter = Number(response.headers['retry-after']);
    throw new RetryableNotificationError(`Notification to ${host} answered HTTP ${response.status}`, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  throw new PermanentJobError(`Notification to ${host} answered HTTP ${response.status}; check the project's notifyUrl`);
}
