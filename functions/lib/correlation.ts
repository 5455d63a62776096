import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { acceptableCorrelationId, logger, withCorrelation } from '@aiworker/core';

/** The caller's `X-Correlation-Id` when it is a sensible one, else the API's request id. */
export const correlationOf = (event: APIGatewayProxyEventV2): string =>
  acceptableCorrelationId(event.headers?.['x-correlation-id'] ?? event.headers?.['X-Correlation-Id']) ?? event.requestContext?.requestId ?? randomUUID();

/**
 * Runs an HTTP handler (REST route or MCP) with the Lambda context on the logger and the request's
 * correlation id in scope (it goes with every log line and into the job messages the request sends), and
 * answers with that id in `X-Correlation-Id`.
 */
export function correlated(
  run: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>,
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return (event, context) => {
    const id = correlationOf(event);
    if (context) logger.addContext(context);
    return withCorrelation(id, async () => {
      const response = await run(event, context ?? ({} as Context));
      return { ...response, headers: { ...response.headers, 'x-correlation-id': id } };
    });
  };
}
