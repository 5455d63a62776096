import { AsyncLocalStorage } from 'node:async_hooks';
import { isTransientTransaction } from './errors.js';

/**
 * The one retry helper of core. A write that loses a race is planned again on fresh data, with full-jitter
 * backoff, so colliding writers spread out instead of colliding again. Two things are retried:
 * - a lost race: the step says `AGAIN` (a version guard failed); at most `attempts` steps, then `giveUp()`;
 * - a transaction DynamoDB cancelled only because another one touched the same items (TransactionConflict)
 *   or because it was throttled: it wrote nothing. Throttled single calls are the SDK's to retry (its own
 *   attempts, AIWORKER_DYNAMODB_MAX_ATTEMPTS); this helper never retries those again.
 *
 * One budget: the transient retries of a request are counted once, by the outermost `retry` — a loop
 * started inside another (transact() inside updateVersioned's save, say) shares its count instead of
 * multiplying it. When the budget is spent the DynamoDB error is thrown, and the edges map it (functions/lib/errors.ts).
 */
export const AGAIN: unique symbol = Symbol('again');

export interface RetryOptions {
  /** Steps at most, lost races included (1: no retry of a lost race). */
  attempts: number;
  /** The error thrown when every step lost its race. */
  giveUp?: () => Error;
  /** Tries of cancelled transactions for the whole request; only the outermost retry sets it (default 6). */
  transientTries?: number;
  /** Pause before the next step; default: full jitter on a doubling window (10, 20, 40… ms up to 320). */
  backoffMs?: (attempt: number) => number;
}

interface Budget {
  transientLeft: number;
}

const budgets = new AsyncLocalStorage<Budget>();
const TRANSIENT_TRIES = 6;
const jitter = (attempt: number) => Math.random() * 10 * 2 ** Math.min(attempt - 1, 5);
const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export function retry<T>(options: RetryOptions, step: (attempt: number) => Promise<T | typeof AGAIN>): Promise<T> {
  const shared = budgets.getStore();
  const run = async (budget: Budget): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      let result: T | typeof AGAIN;
      try {
        result = await step(attempt);
      } catch (error) {
        if (!isTransientTransaction(error) || budget.transientLeft <= 0) throw error;
        budget.transientLeft--;
        await sleep((options.backoffMs ?? jitter)(attempt));
        continue;
      }
      if (result !== AGAIN) return result;
      if (attempt >= options.attempts) throw options.giveUp?.() ?? new Error(`Gave up after ${attempt} attempts`);
      await sleep((options.backoffMs ?? jitter)(attempt));
    }
  };
  if (shared) return run(shared);
  const budget: Budget = { transientLeft: (options.transientTries ?? TRANSIENT_TRIES) - 1 };
  return budgets.run(budget, () => run(budget));
}
