import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../packages/local/src/emulators/dynamodb.js';
import { startSqsEmulator } from '../packages/local/src/emulators/sqs.js';
import { ensureBoardBuilt } from '../packages/local/src/board-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

/** One DynamoDB Local (in memory) and one fauxqs for the whole run; each test file gets its own table and queues. */
export default async function setup(project: TestProject) {
  // The board is served at `/` by every test runtime: built once here when missing or stale.
  ensureBoardBuilt();
  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulator();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    await sqs.stop();
    await dynamo.stop();
  };
}
