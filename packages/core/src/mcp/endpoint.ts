import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { bearerToken } from '../auth/tokens.js';
import { isDomainError } from '../errors.js';
import { isThrottlingError } from '../db/store.js';
import { authenticateAgent } from '../services/agents.js';
import { recordAgentActivity } from '../services/agent-tasks.js';
import { rejectInvalidParams } from './request-validation.js';
import { createMcpServer } from './server.js';
import { canWork } from './tool-policy.js';

const jsonRpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/**
 * The MCP endpoint over streamable HTTP, stateless: a fresh server and transport per request, so any
 * instance answers any request, and JSON responses (no SSE).
 *
 * - Only POST carries JSON-RPC. With no SSE stream to offer and no session to end, GET and DELETE get
 *   405 Method Not Allowed, as the MCP spec says for such a server.
 * - `Authorization: Bearer <agent token>` names the agent; missing or wrong → 401 with WWW-Authenticate.
 * - Each request counts as activity for the agent's lease.
 */
export async function handleMcpRequest(request: Request): Promise<Response> {
  try {
    return await answerMcpRequest(request);
  } catch (error) {
    // Whatever went wrong, the agent gets a JSON-RPC error it can read, never a broken function (Lambda 502).
    if (isThrottlingError(error)) {
      return jsonRpcError(503, -32000, 'The database is busy right now; retry this request in a second', { 'retry-after': '1' });
    }
    console.error('MCP request failed', error);
    return jsonRpcError(500, -32603, 'Internal error: the request could not be completed; it is safe to retry');
  }
}

async function answerMcpRequest(request: Request): Promise<Response> {
  if (request.method !== 'POST') {
    return jsonRpcError(405, -32000, `Method not allowed: ${request.method}. This MCP endpoint is stateless and offers no SSE stream; send JSON-RPC messages with POST`, {
      allow: 'POST',
    });
  }
  const token = bearerToken(request.headers.get('authorization') ?? undefined);
  let agent;
  try {
    agent = await authenticateAgent(token);
  } catch (error) {
    if (isThrottlingError(error)) {
      return jsonRpcError(503, -32000, 'The database is busy right now; retry this request in a second', { 'retry-after': '1' });
    }
    if (!isDomainError(error) || error.code !== 'UNAUTHORIZED') throw error;
    const message = token ? 'Unknown or revoked agent token' : 'Missing bearer token: send Authorization: Bearer <agent token>';
    const challenge = token ? `Bearer realm="aiworker", error="invalid_token", error_description="${message}"` : 'Bearer realm="aiworker"';
    return jsonRpcError(401, -32001, message, { 'www-authenticate': challenge });
  }
  // A read-only token (an observer) is no sign of life from the agent that works. The activity is written
  // while the request is answered (it only moves lastSeenAt, or brings an offline agent back), and is done
  // before the answer goes out.
  const activity = canWork(agent) ? recordAgentActivity(agent).catch((error) => console.warn(`Could not record activity of agent ${agent.id}`, error)) : undefined;

  const server = createMcpServer(agent);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    rejectInvalidParams(transport);
    const response = await transport.handleRequest(request);
    // Read the whole body before closing: with JSON responses it is complete once handleRequest resolves.
    const body = response.body ? await response.text() : null;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } finally {
    await activity;
    await server.close();
  }
}
