import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { authenticateAgent, bearerToken, claimNextTask } from '../packages/core/src/index.js';
import { fromWebResponse, toWebRequest } from '../functions/lib/web-request.js';

/**
 * The MCP floor (bench section `mcp`): a bare server of the official SDK v2, written as its documentation
 * shows — `createMcpHandler` with a server built per request and one tool — served by the local runtime
 * exactly as our /mcp function is (HTTP → function-URL event → web Request → handler → event result), and
 * making the same DynamoDB calls as our `get_next_task`: the agent read that authenticates the bearer
 * token, then the claim itself. What it leaves out is everything of ours around the protocol: the era
 * split, per-scope tools and instructions, tool policies and annotations, output schemas, the refusal
 * ladder, liveness. Registered by bench/run.ts at BENCH_MCP_FLOOR_PATH.
 */
export const BENCH_MCP_FLOOR_PATH = '/bench/mcp-floor';

const handle = createMcpHandler(
  ({ authInfo }) => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('get_next_task', { inputSchema: z.object({ projectId: z.string().optional() }) }, async ({ projectId }) => {
      const agent = await authenticateAgent(authInfo!.token);
      const claim = await claimNextTask(agent.id, { projectId, agent });
      const structured = { task: claim.task, message: claim.task ? 'claimed' : claim.message };
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    });
    return server;
  },
  { legacy: 'reject', responseMode: 'auto' },
);

export const handler = async (event: APIGatewayProxyEventV2) => {
  const request = toWebRequest(event);
  const token = bearerToken(request.headers.get('authorization') ?? undefined) ?? '';
  return fromWebResponse(await handle.fetch(request, { authInfo: { token, clientId: 'bench', scopes: [] } }));
};
