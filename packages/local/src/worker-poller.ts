import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { resendQueuedJobs } from '@aiworker/core';
import { queue } from '@aiworker/infra/queue';
import { lambdaContext } from './lambda-events.js';
import { loadHandler, type LambdaHandler } from './handler-loader.js';

export interface WorkerPollerOptions {
  sqsEndpoint: string;
  queueUrl: string;
  region?: string;
  /** Pollers running side by side, each invoking the worker with its own batches. Default 1 (AIWORKER_WORKER_CONCURRENCY). */
  concurrency?: number;
  /** Messages per invocation. Default: the batch size in infra/queue.ts. */
  batchSize?: number;
  /** Long-poll wait per ReceiveMessage. Default 1 s, so stopping is quick. */
  waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout on receive (tests use a short one to see returned batches sooner). */
  visibilityTimeoutSeconds?: number;
  /** The worker module; default the one infra/queue.ts names. */
  handlerPath?: string;
  /** Calls this instead of the worker module (tests wrap the real worker to make it crash). */
  invoke?: LambdaHandler;
}

export interface WorkerPoller {
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A received SQS message as the record Lambda's SQS event source puts in the event. */
export function sqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const sentAt = attributes.SentTimestamp ?? String(Date.now());
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: sentAt,
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? sentAt,
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * What Lambda's SQS event source does, locally: long-poll the job queue, invoke the worker with a real
 * SQS batch event, delete the messages the worker did not list in `batchItemFailures`, and leave the
 * others to reappear after their visibility timeout (the worker sets it for backoff). A worker that
 * throws returns the whole batch. The queue's redrive policy moves messages received too often to the DLQ.
 */
export async function startWorkerPoller(options: WorkerPollerOptions): Promise<WorkerPoller> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const sqs = new SQSClient({ endpoint: options.sqsEndpoint, region });
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const handlerPath = options.handlerPath ?? queue.worker;
  const invoke = options.invoke ?? (await loadHandler(handlerPath));
  const concurrency = options.concurrency ?? Number(process.env.AIWORKER_WORKER_CONCURRENCY ?? 1);
  let stopped = false;

  async function handleBatch(messages: Message[]) {
    const event: SQSEvent = { Records: messages.map((message) => sqsRecord(message, queueArn, region)) };
    let failed: Set<string>;
    try {
      const response = (await invoke(event, lambdaContext(handlerPath))) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      console.error('Worker invocation failed; the whole batch returns after its visibility timeout', error);
      return;
    }
    const done = event.Records.filter((record) => !failed.has(record.messageId));
    if (done.length === 0) return;
    const result = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
    if (result.Failed?.length) console.warn('Some processed messages could not be deleted; they will be delivered again', result.Failed);
  }

  async function poll() {
    while (!stopped) {
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? queue.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            VisibilityTimeout: options.visibilityTimeoutSeconds,
            AttributeNames: ['All'],
          }),
        );
        if (received.Messages?.length) await handleBatch(received.Messages);
      } catch (error) {
        if (stopped) return;
        console.error('Worker poller: receive failed, retrying', error);
        await sleep(500);
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, concurrency) }, () => poll());
  return {
    // Stopping lets each poller finish its long poll and the batch it got: an abandoned receive would
    // leave its messages invisible until their visibility timeout.
    stop: async () => {
      stopped = true;
      await Promise.allSettled(loops);
      sqs.destroy();
    },
  };
}

export type JobWorkerOptions = Omit<WorkerPollerOptions, 'sqsEndpoint' | 'queueUrl'>;

/**
 * The runtime's job worker: first re-sends the jobs still `queued` (a send that failed, or a runtime that
 * stopped with work pending), then polls the queue.
 */
export async function startJobWorker(options: WorkerPollerOptions): Promise<WorkerPoller> {
  const resent = await resendQueuedJobs();
  if (resent > 0) console.log(`Re-sent ${resent} queued job(s) to the job queue`);
  return startWorkerPoller(options);
}
