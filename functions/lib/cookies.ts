import type { APIGatewayProxyEventV2 } from 'aws-lambda';

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

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host name the browser used (without port). */
const hostName = (event: APIGatewayProxyEventV2) => (event.headers?.host ?? event.requestContext?.domainName ?? '').replace(/:\d+$/, '').toLowerCase();

/** `HttpOnly; SameSite=Lax; Path=/`, and `Secure` unless the browser talks to localhost over plain HTTP. */
export function setCookie(event: APIGatewayProxyEventV2, name: string, value: string, maxAgeSeconds: number): string {
  const secure = LOOPBACK.has(hostName(event)) ? '' : '; Secure';
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure}`;
}

export const clearCookie = (event: APIGatewayProxyEventV2, name: string): string => setCookie(event, name, '', 0);
