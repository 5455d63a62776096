import { Resource } from 'sst/resource';

/** The secrets the app defines (SST `Secret` components; which function gets which: stacks/access.ts). */
export type SecretName = 'AdminToken' | 'GiteaToken' | 'WebhookSecret' | 'GiteaClientSecret';

/**
 * A linked secret's value, through SST's `Resource` (sst.dev/docs/reference/sdk): on AWS from the data SST
 * encrypts into the function's bundle (only for the secrets linked to it); locally and in tests from the
 * `SST_RESOURCE_<Name>` values the local runtime hands over the same way (packages/local/src/secrets.ts).
 * Undefined when the secret is not linked to this function.
 */
export function secret(name: SecretName): string | undefined {
  const linked = Resource as unknown as Record<string, { value?: unknown } | undefined>;
  if (!(name in linked)) return undefined;
  const value = linked[name]?.value;
  return typeof value === 'string' && value ? value : undefined;
}
