import { correlationId } from '../telemetry.js';
import { changeVisibility, prepareSqs, sendMessage } from '../queue/sqs.js';
import { config } from '../config.js';

/** The job queue's URL (AIWORKER_QUEUE_URL). */
export function jobQueueUrl(): string {
  const url = config().queueUrl;
  if (!url) throw new Error('AIWORKER_QUEUE_URL is not set: the job queue is unknown');
  return url;
}

/** Its dead-letter queue (AIWORKER_DLQ_URL). */
export function deadLetterQueueUrl(): string {
  const url = config().deadLetterQueueUrl;
  if (!url) throw new Error('AIWORKER_DLQ_URL is not set: the dead-letter queue is unknown');
  return url;
}

/** The message body of a job: its id (the job itself lives in DynamoDB) and the correlation id of the request that sent it. */
export interface JobMessage {
  jobId: string;
  correlationId?: string;
}

export const jobMessageBody = (jobId: string, correlation = correlationId()): string =>
  JSON.stringify({ jobId, ...(correlation ? { correlationId: correlation } : {}) } satisfies JobMessage);

export function parseJobMessage(body: string): JobMessage {
  const parsed = JSON.parse(body) as Partial<JobMessage>;
  if (!parsed || typeof parsed.jobId !== 'string' || !parsed.jobId) throw new Error(`Not a job message: ${body.slice(0, 200)}`);
  return { jobId: parsed.jobId, ...(typeof parsed.correlationId === 'string' && parsed.correlationId ? { correlationId: parsed.correlationId } : {}) };
}

/** Gets the queue's client ready while the request reads what it needs (queue/sqs.ts prepareSqs). */
export const prepareJobQueue = (): void => prepareSqs();

export async function sendJobMessage(jobId: string, queueUrl = jobQueueUrl()): Promise<void> {
  await sendMessage(queueUrl, jobMessageBody(jobId));
}

/** Keeps a received message invisible for `seconds` more: how a retry backs off through SQS. */
export async function delayMessage(receiptHandle: string, seconds: number, queueUrl = jobQueueUrl()): Promise<void> {
  await changeVisibility(queueUrl, receiptHandle, seconds);
}
