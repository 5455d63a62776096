import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { fromWebResponse, toWebRequest } from '../../functions/lib/web-request.js';
import { dynamoSender } from './dynamodb.js';
import { replay, type ReplayGroups } from './replay.js';

/**
 * The MCP function's cold-start floor: a bare SDK-v2 MCP server as its documentation shows it (a server per
 * request, one tool, the SDK's own stateless handling of 2025-era requests) answering the same request,
 * after making the DynamoDB calls our function made on its first request with the bare SDK.
 */
export const handler = async (event: APIGatewayProxyEventV2 & { groups: ReplayGroups }) => {
  const send = dynamoSender();
  await replay(event.groups, (target, body) => send(target, body));
  const handle = createMcpHandler(
    () => {
      const server = new McpServer({ name: 'bare', version: '1.0.0' });
      server.registerTool('get_next_task', { inputSchema: z.object({ projectId: z.string().optional() }) }, async () => ({ content: [{ type: 'text', text: 'none' }] }));
      return server;
    },
    { legacy: 'stateless' },
  );
  return fromWebResponse(await handle.fetch(toWebRequest(event)));
};
