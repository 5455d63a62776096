import { NotFoundError, VersionConflictError } from '../errors.js';
import { now } from '../ids.js';

const ATTEMPTS = 5;

export interface Versioned {
  id: string;
  version: number;
  updatedAt: string;
}

/**
 * Read-modify-write with an optimistic version. With `expectedVersion` (the client's), a stale or lost
 * race is a 409 and nothing is written; without it, a lost race is retried on fresh data so no update is
 * ever lost.
 */
export async function updateVersioned<T extends Versioned, R = T>(options: {
  kind: string;
  id: string;
  expectedVersion?: number;
  load: () => Promise<T | undefined>;
  change: (current: T) => T | Promise<T>;
  /** Writes `next` only if the stored version is still `current.version`; false when it is not. */
  save: (next: T, current: T) => Promise<boolean>;
  result?: (next: T, current: T) => R;
}): Promise<R> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await options.load();
    if (!current) throw new NotFoundError(options.kind, options.id);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new VersionConflictError(options.kind, options.id, options.expectedVersion, current.version);
    }
    const changed = await options.change(current);
    const next = { ...changed, version: current.version + 1, updatedAt: now() };
    if (await options.save(next, current)) return options.result ? options.result(next, current) : (next as unknown as R);
    if (options.expectedVersion !== undefined) throw new VersionConflictError(options.kind, options.id, options.expectedVersion);
  }
  throw new VersionConflictError(options.kind, options.id, options.expectedVersion);
}
