import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '@aiworker/core';
import { correlated } from '../lib/correlation.js';
import { fromWebResponse, toWebRequest } from '../lib/web-request.js';
import { serveMcp } from './endpoint.js';

/**
 * The MCP endpoint (function URL, any method): the event becomes a web Request for the SDK's
 * streamable-HTTP handler (both protocol eras, see endpoint.ts), with the call's correlation id in scope (X-Correlation-Id). Nothing escapes as a
 * thrown error (which Lambda would turn into a 502): the last resort is a JSON-RPC error.
 */
export const handler = correlated(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return await fromWebResponse(await serveMcp(toWebRequest(event)));
  } catch (error) {
    logger.error('MCP function failed', { error: error as Error });
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error: the request could not be completed; it is safe to retry' }, id: null }),
    };
  }
});
