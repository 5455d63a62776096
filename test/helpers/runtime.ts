import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../packages/local/src/runtime.js';

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The local runtime on a free port, with its own table and queues on the run's shared emulators. */
export function startTestRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
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
