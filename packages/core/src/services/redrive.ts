import { now } from '../ids.js';
import { jobRepository } from '../db/job-repository.js';
import { AGAIN, retry } from '../db/retry.js';
import { changeVisibility, deleteMessage, receiveMessages, sendMessage, startMessageMove, type QueuedMessage } from '../queue/sqs.js';
import { deadLetterQueueUrl, jobQueueUrl, parseJobMessage } from './job-queue.js';

export interface RedriveResult {
  /** Messages moved from the dead-letter queue back to the job queue (on AWS: handed to SQS's move task). */
  moved: number;
  /** Jobs put back to `queued` (a job that had already succeeded is left as it is). */
  requeued: string[];
}

/** A failed (or stranded) job goes back to `queued`, its error kept until the next attempt. */
function resetJob(jobId: string): Promise<boolean> {
  return retry({ attempts: 3, backoffMs: () => 0 }, async (attempt) => {
    const job = await jobRepository.get(jobId);
    if (!job || job.status === 'succeeded') return false;
    const { leaseUntil: _lease, ...rest } = job;
    if (await jobRepository.save({ ...rest, status: 'queued', updatedAt: now(), version: job.version + 1 }, job.version)) return true;
    return attempt < 3 ? AGAIN : false;
  });
}

/** How long the messages read for their job ids stay invisible: long enough to reset their jobs. */
const HOLD_SECONDS = 60;

/**
 * Moves every message of the dead-letter queue back to the job queue and resets its job to `queued`.
 * First every message is read (and held invisible) for its job id and the job reset; then, where SQS has
 * it (AWS), one StartMessageMoveTask moves them all back; fauxqs has no StartMessageMoveTask (it answers
 * InvalidAction, see queue/sqs.ts), so there each message is received, re-sent and deleted. Re-sent
 * before deleted: a crash in between duplicates a message, which jobs tolerate.
 */
export async function redriveDeadLetters(options: { queueUrl?: string; deadLetterUrl?: string } = {}): Promise<RedriveResult> {
  const queueUrl = options.queueUrl ?? jobQueueUrl();
  const deadLetterUrl = options.deadLetterUrl ?? deadLetterQueueUrl();
  const result: RedriveResult = { moved: 0, requeued: [] };
  const held: QueuedMessage[] = [];
  for (let batch = await receiveMessages(deadLetterUrl, HOLD_SECONDS); batch.length; batch = await receiveMessages(deadLetterUrl, HOLD_SECONDS)) {
    held.push(...batch);
  }
  const checked = new Set<string>();
  const reset = async (body: string) => {
    const jobId = jobIdOf(body);
    if (!jobId || checked.has(jobId)) return;
    checked.add(jobId);
    if (await resetJob(jobId)) result.requeued.push(jobId);
  };
  for (const message of held) await reset(message.body);
  // Visible again, so the move task (or the receive below) sees them.
  await Promise.all(held.map((message) => changeVisibility(deadLetterUrl, message.receiptHandle, 0)));
  if (held.length && (await startMessageMove(deadLetterUrl, queueUrl))) return { ...result, moved: held.length };
  for (let batch = await receiveMessages(deadLetterUrl, 30); batch.length; batch = await receiveMessages(deadLetterUrl, 30)) {
    for (const message of batch) {
      // One that arrived since is reset here; not a job message: moved back all the same, the worker acknowledges it.
      await reset(message.body);
      await sendMessage(queueUrl, message.body);
      await deleteMessage(deadLetterUrl, message.receiptHandle);
      result.moved++;
    }
  }
  return result;
}

function jobIdOf(body: string): string | undefined {
  try {
    return parseJobMessage(body).jobId;
  } catch {
    return undefined;
  }
}
