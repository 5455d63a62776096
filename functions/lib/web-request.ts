import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The request's URL. Host and X-Forwarded-Proto are whatever the client sent: only a protocol of http or
 * https and a host that makes a valid URL are used, else the function URL's own domain; the path and query
 * are the event's (already checked by Lambda), so no header can make this fail.
 */
function requestUrl(event: APIGatewayProxyEventV2, headers: Headers): string {
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const protocol = forwarded === 'http' || forwarded === 'https' ? forwarded : 'https';
  const path = `${event.rawPath ?? '/'}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  for (const host of [headers.get('host'), event.requestContext?.domainName, 'localhost']) {
    if (!host) continue;
    try {
      const url = new URL(`${protocol}://${host}`);
      if (url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password) return new URL(`${url.origin}${path}`).href;
    } catch {
      // not a host: try the next
    }
  }
  return `https://localhost${path.startsWith('/') ? '' : '/'}${path}`;
}

/** A function-URL (payload 2.0) event as a web-standard Request, for libraries that speak fetch's Request/Response. */
export function toWebRequest(event: APIGatewayProxyEventV2): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const method = event.requestContext.http.method.toUpperCase();
  const url = requestUrl(event, headers);
  const hasBody = event.body !== undefined && event.body !== null && method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? Buffer.from(event.body!, event.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  return new Request(url, { method, headers, body });
}

const TEXTUAL = /json|text|xml|javascript|x-www-form-urlencoded|event-stream/i;

/** A web-standard Response as the function-URL result Lambda returns. */
export async function fromWebResponse(response: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const bytes = Buffer.from(await response.arrayBuffer());
  const textual = bytes.length === 0 || TEXTUAL.test(response.headers.get('content-type') ?? '');
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length ? { cookies } : {}),
    body: textual ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !textual,
  };
}
