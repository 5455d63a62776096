import { correlationId } from '../telemetry.js';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { config } from '../config.js';

let cached: { endpoint: string | undefined; client: SQSClient } | undefined;

/**
 * The SQS client, honouring AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL (fauxqs, LocalStack or AWS). The
 * endpoint is passed explicitly so the SDK does not try to derive one from a local queue URL.
 */
export function sqsClient(): SQSClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  if (cached && cached.endpoint === endpoint) return cached.client;
  cached?.client.destroy();
  cached = { endpoint, client: new SQSClient(endpoint ? { endpoint } : {}) };
  return cached.client;
}

/** The job queue's URL (AIWORKER_QUEUE_URL). */
export function jobQueueUrl(): string {
  const url = config().queueUrl;
  if (!url) throw new Error('AIWORKER_QUEUE_URL is not set: the job queue is unknown');
  return url;
}

/** Its dead-letter queue (AIWORKER_DLQ_URL). */
export function deadLetterQueueUrl(): string {
  const url = process.env.AIWORKER_DLQ_URL;
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

export async function sendJobMessage(jobId: string, queueUrl = jobQueueUrl()): Promise<void> {
  await sqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: jobMessageBody(jobId) }));
}

/** Keeps a received message invisible for `seconds` more: how a retry backs off through SQS. */
export async function delayMessage(receiptHandle: string, seconds: number, queueUrl = jobQueueUrl()): Promise<void> {
  await sqsClient().send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
}
