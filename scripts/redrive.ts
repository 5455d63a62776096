/**
 * `npm run redrive`: moves every message of the job dead-letter queue back to the job queue and puts its
 * job back to `queued`, so the worker runs it again (after Gitea is fixed, say).
 *
 * Where the queues and table are: AIWORKER_QUEUE_URL / AIWORKER_DLQ_URL, or the queue names of
 * infra/queue.ts (with an optional AIWORKER_QUEUE_PREFIX) looked up with GetQueueUrl; AIWORKER_TABLE for
 * the jobs. For the local runtime also set AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB to the
 * endpoints `npm start` prints.
 */
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queue } from '../infra/queue.js';
import { redriveDeadLetters } from '@aiworker/core';

process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function queueUrl(explicit: string | undefined, name: string): Promise<string> {
  if (explicit) return explicit;
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  const sqs = new SQSClient(endpoint ? { endpoint } : {});
  try {
    const prefix = process.env.AIWORKER_QUEUE_PREFIX ?? '';
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: `${prefix}${name}` }))).QueueUrl!;
  } finally {
    sqs.destroy();
  }
}

async function main() {
  const result = await redriveDeadLetters({
    queueUrl: await queueUrl(process.env.AIWORKER_QUEUE_URL, queue.name),
    deadLetterUrl: await queueUrl(process.env.AIWORKER_DLQ_URL, queue.deadLetterName),
  });
  console.log(`Moved ${result.moved} message(s) from the dead-letter queue back to the job queue; ${result.requeued.length} job(s) queued again.`);
  for (const jobId of result.requeued) console.log(`  ${jobId}`);
}

main().catch((error: unknown) => {
  console.error('Redrive failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
