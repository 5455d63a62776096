import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { RateLimitedError, isDomainError, logger } from '@aiworker/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { headLikeGet } from './head.js';
import { errorResponse } from './errors.js';
import { forwardedHost, requestScheme } from './forwarded.js';


export const redirect = (location: string, cookies: string[] = []): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 302,
  headers: { location, 'cache-control': 'no-store' },
  ...(cookies.length ? { cookies } : {}),
  body: '',
});

/**
 * A route a browser navigates to (the Gitea sign-in redirects): any failure sends the browser back to the
 * board with the reason in words (`/?signin_error=…`), which the board shows.
 */
export function browserHandler(run: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use({
      onError: (request) => {
        const error = request.error;
        // Too many attempts: 429 with Retry-After, not a redirect (a redirect cannot say "wait").
        if (error instanceof RateLimitedError) return void (request.response = errorResponse(error));
        if (!isDomainError(error)) logger.error('Sign-in failed', { error: error as Error });
        const message = isDomainError(error) ? error.message : 'Sign-in failed on our side; try again';
        request.response = redirect(`/?signin_error=${encodeURIComponent(message)}`);
      },
    })
    .handler(run);
  return headLikeGet((event: APIGatewayProxyEventV2, context: Parameters<typeof handler>[1]) => handler(event, context));
}

/** The board's origin as the browser sees it (AIWORKER_PUBLIC_URL when set; X-Forwarded-Host only from a trusted proxy). */
export function publicOrigin(event: APIGatewayProxyEventV2, configured: string | undefined): string {
  if (configured) return configured;
  const host = forwardedHost(event) ?? event.headers.host ?? event.requestContext.domainName;
  return `${requestScheme(event)}://${host}`;
}
