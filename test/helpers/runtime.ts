import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../packages/local/src/runtime.js';

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/**
 * `npm run test:e2e`: with AIWORKER_E2E_API_URL (and AIWORKER_E2E_ADMIN_TOKEN) set, tests talk to that
 * deployed system over HTTP instead of starting a runtime; only `url`, `adminToken` and `stop` mean anything then.
 */
export const deployedUnderTest = Boolean(process.env.AIWORKER_E2E_API_URL);

/** For tests that reach into DynamoDB or the runtime directly, which a deployed system does not allow: `it.skipIf(deployedUnderTest)`. */
function deployedRuntime(): Runtime | undefined {
  const url = process.env.AIWORKER_E2E_API_URL;
  if (!url) return undefined;
  const adminToken = process.env.AIWORKER_E2E_ADMIN_TOKEN;
  if (!adminToken) throw new Error('AIWORKER_E2E_API_URL is set but AIWORKER_E2E_ADMIN_TOKEN is not');
  return { url: url.replace(/\/+$/, ''), adminToken, adminTokenSource: 'AIWORKER_E2E_ADMIN_TOKEN', onStop: () => undefined, stop: async () => undefined } as unknown as Runtime;
}

/** The local runtime on a free port, with its own table and queues on the run's shared emulators. */
export function startTestRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const deployed = deployedRuntime();
  if (deployed) return Promise.resolve(deployed);
  const name = uniqueName('t');
  return startRuntime({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    sqsEndpoint: inject('sqsEndpoint'),
    tableName: name,
    queuePrefix: `${name}-`,
    adminToken: `adm_${randomBytes(16).toString('hex')}`,
    ...options,
  });
}
