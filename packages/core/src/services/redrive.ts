import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { now } from '../ids.js';
import { jobRepository } from '../db/job-repository.js';
import { deadLetterQueueUrl, jobQueueUrl, parseJobMessage, sqsClient } from './job-queue.js';

export interface RedriveResult {
  /** Messages moved from the dead-letter queue back to the job queue. */
  moved: number;
  /** Jobs put back to `queued` (a job that had already succeeded is left as it is). */
  requeued: string[];
}

/** A failed (or stranded) job goes back to `queued`, its error kept until the next attempt. */
async function resetJob(jobId: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const job = await jobRepository.get(jobId);
    if (!job || job.status === 'succeeded') return false;
    const { leaseUntil: _lease, ...rest } = job;
    if (await jobRepository.save({ ...rest, status: 'queued', updatedAt: now(), version: job.version + 1 }, job.version)) return true;
  }
  return false;
}

/**
 * Moves every message of the dead-letter queue back to the job queue and resets its job to `queued`.
 * (fauxqs has no StartMessageMoveTask, so this receives, re-sends and deletes; it works the same on AWS.)
 * Each message is re-sent before it is deleted: a crash in between duplicates it, which jobs tolerate.
 */
export async function redriveDeadLetters(options: { queueUrl?: string; deadLetterUrl?: string } = {}): Promise<RedriveResult> {
  const queueUrl = options.queueUrl ?? jobQueueUrl();
  const deadLetterUrl = options.deadLetterUrl ?? deadLetterQueueUrl();
  const sqs = sqsClient();
  const result: RedriveResult = { moved: 0, requeued: [] };
  for (;;) {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return result;
    for (const message of messages) {
      try {
        const { jobId } = parseJobMessage(message.Body ?? '');
        if (await resetJob(jobId)) result.requeued.push(jobId);
      } catch {
        // Not a job message: move it back all the same, the worker acknowledges it.
      }
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body ?? '' }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterUrl, ReceiptHandle: message.ReceiptHandle! }));
      result.moved++;
    }
  }
}
