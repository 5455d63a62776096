import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ClientRequestSchema, ErrorCode, isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

type RequestSchema = (typeof ClientRequestSchema.options)[number];

/** The SDK's schema of every request a client may send, by method. */
const REQUEST_SCHEMAS = new Map<string, RequestSchema>(ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema]));

/**
 * Why a client request's params do not fit its method, or undefined when they do (or the method is not a
 * known one: the SDK answers those with "method not found").
 */
export function invalidRequestParams(message: JSONRPCMessage): string | undefined {
  if (!isJSONRPCRequest(message)) return undefined;
  const schema = REQUEST_SCHEMAS.get(message.method);
  if (!schema) return undefined;
  const parsed = schema.safeParse(message);
  if (parsed.success) {
    // resources/read, subscribe and unsubscribe take a URI the SDK parses with `new URL`, which throws.
    const uri = (message.params as { uri?: unknown } | undefined)?.uri;
    if (typeof uri === 'string' && !URL.canParse(uri)) return `Invalid params for ${message.method}: uri: not a valid URI`;
    return undefined;
  }
  const problems = parsed.error.issues.map((issue) => `${issue.path.filter((part) => part !== 'params').join('.') || 'params'}: ${issue.message}`);
  return `Invalid params for ${message.method}: ${problems.join('; ')}`;
}

/**
 * Answers a request whose params do not fit its method with JSON-RPC invalid params (-32602) before the
 * SDK sees it. The SDK parses params inside its request handlers and reports a failed parse as an internal
 * error (-32603), which would blame the server for the client's mistake. Call after `server.connect`.
 */
export function rejectInvalidParams(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('Connect the server to the transport first');
  transport.onmessage = (message, extra) => {
    stripTaskAugmentation(message);
    const problem = invalidRequestParams(message);
    if (!problem || !isJSONRPCRequest(message)) return deliver(message, extra);
    void transport.send({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InvalidParams, message: problem } }, { relatedRequestId: message.id });
  };
}

/**
 * This server runs no request as a task (it declares no `tasks` capability), and the MCP spec says such a
 * receiver processes a task-augmented request normally, ignoring the task metadata. The SDK instead fails
 * it with an internal error, so the metadata is dropped before the SDK sees the request.
 */
function stripTaskAugmentation(message: JSONRPCMessage): void {
  if (!isJSONRPCRequest(message)) return;
  const params = message.params as Record<string, unknown> | undefined;
  if (params && typeof params === 'object' && 'task' in params) delete params.task;
}
