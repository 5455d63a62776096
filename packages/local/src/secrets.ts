import { loadResourceEnvironment } from 'sst/resource/shared';
import type { SecretName } from '@aiworker/core/secrets';

/**
 * The environment that makes SST's `Resource.<Name>.value` answer `value` in a process: the same
 * `SST_RESOURCE_<Name>` variables `sst dev` gives the processes it starts (the sst package's resource loader
 * reads them). Used for the fresh Node processes that run bundles (tests, bench) and LocalStack functions.
 */
export function secretEnvironment(values: Partial<Record<SecretName, string | undefined>>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value) environment[`SST_RESOURCE_${name}`] = JSON.stringify({ type: 'sst.sst.Secret', value });
  }
  return environment;
}

/**
 * Hands secrets to the handlers running in this process (the local runtime), the way `sst dev` does: through
 * `SST_RESOURCE_<Name>` in the environment (inherited by child processes), loaded into SST's resource table
 * with the sst package's own loader, so a value set after the first read is seen too.
 */
export function supplySecrets(values: Partial<Record<SecretName, string | undefined>>): void {
  const environment = secretEnvironment(values);
  Object.assign(process.env, environment);
  loadResourceEnvironment(environment);
}
