import { config } from '@aiworker/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined;
const plainAddress = (ip: string) => ip.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

/**
 * Whether the request came straight from a proxy that AIWORKER_TRUSTED_PROXIES names (by its address, the
 * event's `sourceIp`). Only such a proxy's `X-Forwarded-Host` is believed: anyone else can send that header.
 */
export function fromTrustedProxy(event: APIGatewayProxyEventV2): boolean {
  const source = event.requestContext?.http?.sourceIp;
  return Boolean(source) && config().trustedProxies.includes(plainAddress(source));
}

/** The host a trusted proxy says the browser used, if the request came through one. */
export const forwardedHost = (event: APIGatewayProxyEventV2): string | undefined => (fromTrustedProxy(event) ? first(event.headers['x-forwarded-host']) : undefined);

/**
 * The scheme the request arrived with: API Gateway and the local runtime both say it in `X-Forwarded-Proto`
 * (the local runtime's server is plain HTTP and says `http`); without one, https.
 */
export const requestScheme = (event: APIGatewayProxyEventV2): 'http' | 'https' =>
  first(event.headers['x-forwarded-proto'])?.toLowerCase() === 'http' ? 'http' : 'https';
