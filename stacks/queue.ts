import { queue } from '../infra/queue.js';
import { deployableOf, functionArgs, type Linked } from './lambda.js';

/** SQS keeps dead letters at most 14 days; keep them that long, like the local DLQ. */
const FOURTEEN_DAYS_SECONDS = 1_209_600;

/**
 * The job queue and its DLQ from infra/queue.ts. SST Queue options (sst.dev/docs/component/aws/queue):
 * `visibilityTimeout` as a duration, `dlq: { queue: <dlq arn>, retry: <receives before the DLQ> }`.
 */
export function createQueues(): { jobs: sst.aws.Queue; deadLetter: sst.aws.Queue } {
  const deadLetter = new sst.aws.Queue('JobsDeadLetter', {
    transform: { queue: { messageRetentionSeconds: FOURTEEN_DAYS_SECONDS } },
  });
  const jobs = new sst.aws.Queue('Jobs', {
    visibilityTimeout: `${queue.visibilityTimeoutSeconds} seconds`,
    dlq: { queue: deadLetter.arn, retry: queue.maxReceiveCount },
  });
  return { jobs, deadLetter };
}

/**
 * The worker consumes the job queue with partial batch responses (QueueLambdaSubscriber args,
 * sst.dev/docs/component/aws/queue-lambda-subscriber: `batch: { size, partialResponses }`), so only the
 * messages it reports in `batchItemFailures` come back. Its timeout may not exceed the visibility timeout.
 */
export function subscribeWorker(linked: Linked) {
  return linked.queue.subscribe(functionArgs(deployableOf('worker'), linked, { timeout: `${queue.visibilityTimeoutSeconds} seconds` }), {
    batch: { size: queue.batchSize, partialResponses: true },
  });
}
