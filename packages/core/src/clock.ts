/**
 * Core's clock: the time every rule reads that compares times (freshness windows, leases, rate-limit
 * windows, session and sign-in expiry, a budget's UTC day) and the time written on records. It is the real
 * time, moved forward by `advanceClock`: a test that needs a window to pass moves the clock past it instead
 * of sleeping (as the Gitea stand-in's `advanceClock` does for Gitea's times). It only moves forward, so
 * what was written earlier stays earlier. Waits on real timers (a job wait, a retry's backoff) and times
 * from outside (a Retry-After date) use the real time.
 */
let offsetMs = 0;

/** Milliseconds since the epoch, as `Date.now()`. */
export const clockMs = (): number => Date.now() + offsetMs;

/** The current time as a Date. */
export const clockDate = (): Date => new Date(clockMs());

/** Moves core's clock forward by `ms` (for every caller in this process); tests only. */
export function advanceClock(ms: number): void {
  if (!(ms >= 0)) throw new RangeError(`The clock only moves forward; got ${ms} ms`);
  offsetMs += ms;
}
