import { secret } from './secrets.js';

/** Runtime configuration, read from the environment on each call (Lambda sets it once per instance). */
export interface Config {
  tableName: string;
  queueUrl: string | undefined;
  adminToken: string | undefined;
  leaseSeconds: number;
  version: string;
}

const DEFAULT_LEASE_SECONDS = 300;

export function config(): Config {
  const env = process.env;
  return {
    tableName: env.AIWORKER_TABLE ?? 'aiworker',
    queueUrl: env.AIWORKER_QUEUE_URL,
    adminToken: secret('AdminToken'),
    leaseSeconds: Number(env.AIWORKER_LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS),
    version: env.AIWORKER_VERSION ?? '0.1.0',
  };
}
