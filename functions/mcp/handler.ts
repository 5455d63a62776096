import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleMcpRequest } from '@aiworker/core';
import { correlated } from '../lib/correlation.js';
import { fromWebResponse, toWebRequest } from '../lib/web-request.js';

/** The MCP endpoint (function URL, any method): the event becomes a web Request for the SDK's streamable-HTTP transport. */
export const handler = correlated(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
  fromWebResponse(await handleMcpRequest(toWebRequest(event))));
