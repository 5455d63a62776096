/** The Gitea job queue and its dead-letter queue, as plain data. */
export const queue = {
  name: 'aiworker-jobs',
  deadLetterName: 'aiworker-jobs-dlq',
  /** Seconds a received message stays invisible; retries back off by extending it. */
  visibilityTimeoutSeconds: 60,
  /** Deliveries before a message moves to the DLQ. */
  maxReceiveCount: 5,
  /** Messages handed to one worker invocation. */
  batchSize: 10,
  /** The worker that consumes it, with partial batch responses. */
  worker: 'functions/worker/handler',
};
