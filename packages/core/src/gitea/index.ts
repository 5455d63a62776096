export { createGiteaClient } from './client.js';
export { GiteaError, isGiteaError, isRetryableStatus, parseRetryAfter, toGiteaError } from './errors.js';
export type * from './types.js';
