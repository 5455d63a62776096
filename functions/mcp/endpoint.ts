import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import { authenticateMcpCaller, bearerToken, createMcpServer, isClaimCall, isMcpCaller, isThrottlingError, logger, recordMcpActivity, type McpCaller } from '@aiworker/core';

const jsonRpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const busy = () => jsonRpcError(503, -32000, 'The database is busy right now; retry this request in a second', { 'retry-after': '1' });

/** The caller rides to the server factory in the SDK's pass-through authInfo. */
const authInfoOf = (caller: McpCaller, token: string): AuthInfo =>
  caller.kind === 'agent'
    ? { token, clientId: caller.agent.id, scopes: [...(caller.agent.scopes ?? ['read', 'work'])], extra: { caller } }
    : { token, clientId: caller.token.owner, scopes: [caller.token.scope], extra: { caller } };
const callerOf = (authInfo: AuthInfo | undefined): McpCaller => {
  const caller = authInfo?.extra?.caller as McpCaller | undefined;
  if (!caller) throw new Error('MCP server built without an authenticated caller');
  return caller;
};

/**
 * The 2026-07-28 revision (stateless, `server/discover`, per-request envelope): the SDK's handler, built
 * once per instance, with a fresh server per request for the calling token. Its validation ladder answers
 * header/body mismatches and unsupported versions with the spec's errors. Answers are JSON (`auto` only
 * streams when a tool sends a message before its result; none does).
 */
const modern = createMcpHandler(({ authInfo }) => createMcpServer(callerOf(authInfo)), {
  legacy: 'reject',
  responseMode: 'auto',
});

/**
 * The 2025 era (initialize, then requests), served statelessly: a fresh server and transport per request.
 * Hand-wired rather than the SDK's `legacy: 'stateless'` fallback because that one answers over SSE,
 * while a Lambda function URL buffers the whole answer anyway; plain JSON is what 2025 clients have
 * always received here.
 */
async function legacy(request: Request, authInfo: AuthInfo, parsedBody: unknown): Promise<Response> {
  const server = createMcpServer(callerOf(authInfo));
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request, { authInfo, ...(parsedBody === undefined ? {} : { parsedBody }) });
    // With JSON responses the body is complete once handleRequest resolves: read it before closing.
    const body = response.body ? await response.text() : null;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } finally {
    await server.close();
  }
}

/**
 * The MCP endpoint over streamable HTTP, both protocol eras on one URL, no session: any instance answers
 * any request.
 * - Only POST carries JSON-RPC. With no SSE stream to offer and no session to end, GET and DELETE get
 *   405 Method Not Allowed, as the MCP spec says for such a server.
 * - `Authorization: Bearer <token>` names the caller on every request; missing or wrong → 401 with
 *   WWW-Authenticate, before any MCP runs.
 * - Each request by an agent that works counts as activity for its lease.
 */
export async function serveMcp(request: Request): Promise<Response> {
  try {
    return await answer(request);
  } catch (error) {
    // Whatever went wrong, the client gets a JSON-RPC error it can read, never a broken function (Lambda 502).
    if (isThrottlingError(error)) return busy();
    logger.error('MCP request failed', { error: error as Error });
    return jsonRpcError(500, -32603, 'Internal error: the request could not be completed; it is safe to retry');
  }
}

/**
 * The JSON body, read once for the era check, the claim check and the SDK; undefined when it is not JSON
 * (the SDK then reads the body itself and answers with the spec's parse error).
 */
const MAX_BODY_CHARS = 1024 * 1024;
async function parsedBody(request: Request): Promise<unknown> {
  if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) return undefined;
  try {
    const text = await request.clone().text();
    // Past the SDK's bound it is the SDK's to refuse (413), which it only does for a body it reads itself.
    return text.length > MAX_BODY_CHARS ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function answer(request: Request): Promise<Response> {
  if (request.method !== 'POST') {
    return jsonRpcError(405, -32000, `Method not allowed: ${request.method}. This MCP endpoint is stateless and offers no SSE stream; send JSON-RPC messages with POST`, {
      allow: 'POST',
    });
  }
  const token = bearerToken(request.headers.get('authorization') ?? undefined);
  const caller = await authenticateMcpCaller(token);
  if (!isMcpCaller(caller)) {
    const challenge = caller.reason === 'invalid' ? `Bearer realm="aiworker", error="invalid_token", error_description="${caller.message}"` : 'Bearer realm="aiworker"';
    return jsonRpcError(401, -32001, caller.message, { 'www-authenticate': challenge });
  }
  const body = await parsedBody(request);
  // Written while the request is answered (it only moves lastSeenAt, or brings an offline agent back), and
  // done before the answer goes out. A claim records it itself (its agent write carries lastSeenAt).
  const activity = isClaimCall(body) ? undefined : recordMcpActivity(caller);
  try {
    const authInfo = authInfoOf(caller, token!);
    return (await isLegacyRequest(request, body)) ? await legacy(request, authInfo, body) : await modern.fetch(request, { authInfo, parsedBody: body });
  } finally {
    await activity;
  }
}
