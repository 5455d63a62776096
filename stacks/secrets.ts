import { secrets, type SecretName } from '../infra/functions.js';
import { secretsOf } from './access.js';
import { deployables } from './deployables.js';

/** The secrets some function of infra/ reads; a secret nothing reads is not created (nor asked for). */
export const usedSecrets = (): SecretName[] => (Object.keys(secrets) as SecretName[]).filter((name) => deployables().some((fn) => secretsOf(fn).includes(name)));

/**
 * Secrets (sst.dev/docs/component/secret): values are set per stage with `npx sst secret set <Name> <value>`
 * and never live in the repository; a function linked to one reads it with `Resource.<Name>.value`.
 * Which function gets which is decided in access.ts.
 */
export function createSecrets(): Partial<Record<SecretName, sst.Secret>> {
  return Object.fromEntries(usedSecrets().map((name) => [name, new sst.Secret(name)]));
}
