import { ForbiddenError, bearerToken, config, type Credentials } from '@aiworker/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SESSION_COOKIE, cookieOf } from './cookies.js';
import { forwardedHost } from './forwarded.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The credentials of a request: `Authorization: Bearer` wins; otherwise the board's session cookie. A write
 * made with the cookie must come from the board's own origin (CSRF): its `Origin` (or, without one,
 * `Sec-Fetch-Site`) must say so. SameSite=Lax alone is not enough: another port on the same host, or a
 * sibling subdomain, is the same site.
 */
export function credentialsOf(event: APIGatewayProxyEventV2): Credentials {
  const bearer = bearerToken(event.headers.authorization);
  if (bearer) return { bearer, address: clientAddress(event) };
  const session = cookieOf(event, SESSION_COOKIE);
  if (!session) return {};
  if (!SAFE_METHODS.has(event.requestContext.http.method.toUpperCase())) assertSameOrigin(event);
  return { session };
}

/** The client's address as API Gateway saw it (the local runtime: the socket's peer). */
export const clientAddress = (event: APIGatewayProxyEventV2): string | undefined => event.requestContext?.http?.sourceIp || undefined;

/** Refuses a cookie-signed write that does not come from the board's own origin (403): see credentialsOf. */
export function assertSameOrigin(event: APIGatewayProxyEventV2) {
  const origin = event.headers.origin;
  if (origin) {
    if (allowedOrigins(event).has(origin.toLowerCase())) return;
    throw new ForbiddenError(`Cross-site request refused: a write signed in with the board's cookie must come from the board itself, not from ${origin}`);
  }
  const site = event.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return;
  throw new ForbiddenError(
    "Cross-site request refused: a write signed in with the board's cookie needs an Origin header from the board; scripts should send Authorization: Bearer instead",
  );
}

function allowedOrigins(event: APIGatewayProxyEventV2): Set<string> {
  // X-Forwarded-Host only from a proxy AIWORKER_TRUSTED_PROXIES names: any client can send the header.
  const hosts = [event.headers.host, forwardedHost(event)].filter(Boolean) as string[];
  const origins = new Set(hosts.flatMap((host) => [`https://${host}`, `http://${host}`].map((origin) => origin.toLowerCase())));
  const publicUrl = config().auth.publicUrl;
  if (publicUrl) origins.add(new URL(publicUrl).origin.toLowerCase());
  return origins;
}
