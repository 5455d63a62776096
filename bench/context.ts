import type { Runtime } from '../packages/local/src/runtime.js';

/** What every section gets: the runtime (HTTP server on the emulators) and the emulators' endpoints. */
export interface BenchContext {
  runtime: Runtime;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  adminToken: string;
}
