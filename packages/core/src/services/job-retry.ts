import { queue } from '@aiworker/infra/queue';
import { config } from '../config.js';

/** SQS caps a message's visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Retry settings, from the environment so tests can run them fast:
 * AIWORKER_RETRY_BASE_SECONDS (default 5), AIWORKER_RETRY_MAX_SECONDS (default 300),
 * AIWORKER_JOB_LEASE_SECONDS (default: the queue's visibility timeout).
 */
export function retrySettings() {
  const { baseSeconds, maxSeconds, leaseSeconds } = config().jobRetry;
  return {
    baseSeconds,
    maxSeconds,
    leaseSeconds: leaseSeconds ?? queue.visibilityTimeoutSeconds,
    maxReceiveCount: queue.maxReceiveCount,
  };
}

/** Exponential backoff for the n-th failed attempt (1-based), capped; a longer wait asked for by Gitea wins. */
export function retryDelaySeconds(attempt: number, retryAfterSeconds?: number): number {
  const { baseSeconds, maxSeconds } = retrySettings();
  const backoff = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(Math.max(backoff, retryAfterSeconds ?? 0)));
}

/**
 * Thrown by the worker when a message must come back later: a retryable failure, or a duplicate delivery
 * of a job another worker is running right now. The worker sets the message's visibility to `delaySeconds`.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delaySeconds: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** A failure no retry can fix (bad input, a refusal from Gitea, missing configuration): the job ends as failed. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** Whether a failure is worth retrying, and after how long Gitea asked us to wait. Unknown errors are retried. */
export function classifyFailure(error: unknown): { retryable: boolean; retryAfterSeconds?: number; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PermanentJobError) return { retryable: false, message };
  const flagged = error as { retryable?: unknown; retryAfterSeconds?: unknown } | undefined;
  if (flagged && typeof flagged.retryable === 'boolean') {
    return {
      retryable: flagged.retryable,
      retryAfterSeconds: typeof flagged.retryAfterSeconds === 'number' ? flagged.retryAfterSeconds : undefined,
      message,
    };
  }
  return { retryable: true, message };
}
