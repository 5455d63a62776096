import { config } from '../config.js';
import { RateLimitedError } from '../errors.js';
import { rateLimitRepository } from '../db/rate-limit-repository.js';
import { clockMs } from '../clock.js';

/**
 * What is limited per client address (the request's source address), and how much: sign-in starts, admin
 * token exchanges and bearer tokens that match nobody. A fixed window per address; API Gateway's stage
 * throttling (stacks/api.ts) caps the whole API besides.
 */
export const RATE_LIMITS = {
  signInStart: { what: 'sign-in attempts', limit: 30, windowSeconds: 60 },
  tokenExchange: { what: 'admin token sign-ins', limit: 20, windowSeconds: 60 },
  failedBearer: { what: 'requests with an unknown token', limit: 60, windowSeconds: 60 },
} as const;

export type RateLimited = keyof typeof RATE_LIMITS;

/** Counts one attempt of `kind` from `address`; past the limit, RateLimitedError (it says when to try again). */
export async function countAttempt(kind: RateLimited, address: string | undefined): Promise<void> {
  if (!address) return;
  const { what, limit, windowSeconds } = RATE_LIMITS[kind];
  const nowSeconds = Math.floor(clockMs() / 1000);
  const windowStart = nowSeconds - (nowSeconds % windowSeconds);
  const hits = await rateLimitRepository.hit(kind, address, windowStart, windowSeconds);
  if (hits > limit * config().rateLimitScale) throw new RateLimitedError(what, Math.max(1, windowStart + windowSeconds - nowSeconds));
}
