import { config } from '@aiworker/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { requestScheme } from './forwarded.js';

export const SESSION_COOKIE = 'aiw_session';
/** Binds a Gitea sign-in (`state`) to the browser that started it. */
export const SIGN_IN_COOKIE = 'aiw_signin';

/** A cookie of the request: payload 2.0 carries them in `cookies`; other shapes in the `cookie` header. */
export function cookieOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const all = event.cookies ?? (event.headers?.cookie ?? '').split(/;\s*/);
  for (const cookie of all) {
    const at = cookie.indexOf('=');
    if (at > 0 && cookie.slice(0, at).trim() === name) return decodeURIComponent(cookie.slice(at + 1).trim());
  }
  return undefined;
}

/**
 * `Secure` when the board's public URL (AIWORKER_PUBLIC_URL) is https, or the request came over TLS. Never
 * decided by `Host`: a proxy that forwards to `localhost` must not strip it from a public site's cookie.
 */
const secure = (event: APIGatewayProxyEventV2) => config().auth.publicUrl?.toLowerCase().startsWith('https:') || requestScheme(event) === 'https';

/** `HttpOnly; SameSite=Lax; Path=/`, and `Secure` unless the board is served over plain HTTP. */
export function setCookie(event: APIGatewayProxyEventV2, name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure(event) ? '; Secure' : ''}`;
}

export const clearCookie = (event: APIGatewayProxyEventV2, name: string): string => setCookie(event, name, '', 0);
