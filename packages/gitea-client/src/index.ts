export { createGiteaClient } from './client.js';
export { GiteaError, isGiteaError, isGiteaNotFound, isMergeNotReady, isRetryableStatus, parseRetryAfter, retryableAgain, toGiteaError } from './errors.js';
export { giteaAuthorizeUrl, giteaSignIn, GiteaSignInError } from './oauth.js';
export type * from './types.js';
