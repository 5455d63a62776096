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

interface Emulators {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

/**
 * One DynamoDB Local (in memory) and one fauxqs for the whole run, shared by every project that asks for them
 * (integration, browser, process); each test file gets its own table and queues. Projects run this setup each,
 * in the same process: the first starts the emulators, the last to finish stops them.
 */
const shared = globalThis as typeof globalThis & { aiworkerEmulators?: { ready: Promise<Emulators>; users: number } };

async function startEmulators(): Promise<Emulators> {
  // The board is served at `/` by every test runtime: built once here when missing or stale.
  ensureBoardBuilt();
  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulator();
  return {
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    async stop() {
      await sqs.stop();
      await dynamo.stop();
    },
  };
}

export default async function setup(project: TestProject) {
  shared.aiworkerEmulators ??= { ready: startEmulators(), users: 0 };
  const entry = shared.aiworkerEmulators;
  entry.users += 1;
  const emulators = await entry.ready;
  project.provide('dynamoEndpoint', emulators.dynamoEndpoint);
  project.provide('sqsEndpoint', emulators.sqsEndpoint);
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    shared.aiworkerEmulators = undefined;
    await emulators.stop();
  };
}
