export { startGiteaStandIn, assertNoViolations } from './server.js';
export type { GiteaStandIn, GiteaStandInOptions, FailureMode, FailOptions, RecordedRequest } from './server.js';
export { GiteaContract, defaultSwaggerPath } from './contract.js';
export { GiteaState } from './state.js';
export type { StandInRepo, StandInBranch, StandInPull, StandInUser } from './state.js';
export { ReviewLoop, reviewLoopOf, type Delivery } from './review-loop.js';
export { OAuthProvider } from './oauth.js';
export type { OAuthOptions, StandInPerson } from './oauth.js';
export { StateFile, StateFileError, type StandInSnapshot } from './state-file.js';
