import { ConflictError, NotFoundError, VersionConflictError } from '../errors.js';
import { now } from '../ids.js';
import { AGAIN, retry } from '../db/retry.js';

/** Rounds of read-modify-write before giving up; with jittered backoff, far more than writers ever need. */
const ATTEMPTS = 60;
const MAX_BACKOFF_MS = 250;

export interface Versioned {
  id: string;
  version: number;
  updatedAt: string;
}

/**
 * Read-modify-write with an optimistic version.
 *
 * With `expectedVersion` (the client's): a stored version other than it is a VERSION_CONFLICT and
 * nothing is written. Without it, the write never fails because of other writers: a lost race is retried on
 * fresh data (jittered backoff), so no update is lost. Either way, a save that failed for a reason other
 * than the version (a guard on another item, such as a project's task count) is retried as long as the
 * version the caller sent still holds.
 */
export async function updateVersioned<T extends Versioned, R = T>(options: {
  kind: string;
  id: string;
  expectedVersion?: number;
  load: () => Promise<T | undefined>;
  /** A record the caller has just read: the first attempt uses it instead of loading; a lost race loads again. */
  current?: T;
  change: (current: T) => T | Promise<T>;
  /** Writes `next` only if the stored version is still `current.version`; false when it is not. */
  save: (next: T, current: T) => Promise<boolean>;
  result?: (next: T, current: T) => R;
}): Promise<R> {
  const giveUp = () => new ConflictError(`${options.kind} '${options.id}' kept being changed by others at this moment; nothing was written, try again`, { kind: options.kind, id: options.id });
  const backoffMs = (attempt: number) => Math.random() * Math.min(MAX_BACKOFF_MS, 5 * 2 ** Math.min(attempt, 6));
  return retry({ attempts: ATTEMPTS, giveUp, backoffMs }, async (attempt) => {
    const current = attempt === 1 && options.current ? options.current : await options.load();
    if (!current) throw new NotFoundError(options.kind, options.id);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new VersionConflictError(options.kind, options.id, options.expectedVersion, current.version);
    }
    const changed = await options.change(current);
    const next = { ...changed, version: current.version + 1, updatedAt: now() };
    // A transaction DynamoDB kept cancelling (TransactionConflict past the request's retry budget) ends as a
    // CONFLICT with nothing written, which README documents as safe to retry.
    if (await options.save(next, current)) return options.result ? options.result(next, current) : (next as unknown as R);
    return AGAIN;
  });
}
