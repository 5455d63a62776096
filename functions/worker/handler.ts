import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RetryLaterError, delayMessage, logger, parseJobMessage, runJobDelivery, withCorrelation } from '@aiworker/core';

/** The correlation id the job message carries (from the request that asked for the job), else the message id. */
function correlationOf(record: SQSRecord): string {
  try {
    return parseJobMessage(record.body).correlationId ?? record.messageId;
  } catch {
    return record.messageId;
  }
}

/**
 * One job message: run the job; a message that must come back later (retryable failure, or a job another
 * worker is running) gets its visibility set for the backoff and is reported in `batchItemFailures`.
 */
const recordHandler = (record: SQSRecord): Promise<void> => withCorrelation(correlationOf(record), () => runRecord(record));

async function runRecord(record: SQSRecord): Promise<void> {
  try {
    const { jobId, outcome } = await runJobDelivery({
      body: record.body,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    });
    logger.info('Job message done', { messageId: record.messageId, jobId, outcome });
  } catch (error) {
    if (error instanceof RetryLaterError) {
      logger.warn('Job message comes back later', { messageId: record.messageId, delaySeconds: error.delaySeconds, reason: error.message });
      await delayMessage(record.receiptHandle, error.delaySeconds).catch((cause: unknown) =>
        logger.warn('Could not set the message visibility; it returns after the queue default', { error: cause as Error }),
      );
    } else {
      logger.error('Job message failed', { messageId: record.messageId, error: error as Error });
    }
    throw error;
  }
}

/** The SQS worker: partial batch responses, so only unfinished messages come back. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (context) logger.addContext(context);
  // A processor per invocation: it keeps the batch's state, and the local runtime may run several pollers in one process.
  return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
};
