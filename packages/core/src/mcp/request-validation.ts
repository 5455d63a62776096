import { isJSONRPCRequest, ProtocolErrorCode, specTypeSchemas, type JSONRPCMessage, type StandardSchemaV1Sync, type Transport } from '@modelcontextprotocol/server';

/** The spec's schema of each request a client sends this server, by method (the SDK's own schemas). */
const REQUEST_SCHEMAS: Readonly<Record<string, StandardSchemaV1Sync<unknown, unknown>>> = {
  initialize: specTypeSchemas.InitializeRequest,
  ping: specTypeSchemas.PingRequest,
  'tools/list': specTypeSchemas.ListToolsRequest,
  'tools/call': specTypeSchemas.CallToolRequest,
  'resources/list': specTypeSchemas.ListResourcesRequest,
  'resources/templates/list': specTypeSchemas.ListResourceTemplatesRequest,
  'resources/read': specTypeSchemas.ReadResourceRequest,
  'resources/subscribe': specTypeSchemas.SubscribeRequest,
  'resources/unsubscribe': specTypeSchemas.UnsubscribeRequest,
  'prompts/list': specTypeSchemas.ListPromptsRequest,
  'prompts/get': specTypeSchemas.GetPromptRequest,
  'completion/complete': specTypeSchemas.CompleteRequest,
  'logging/setLevel': specTypeSchemas.SetLevelRequest,
};

/** Requests whose params carry a resource URI, which the SDK parses with `new URL` (that throws). */
const URI_METHODS: ReadonlySet<string> = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe']);

/**
 * Why a client request's params do not fit its method, or undefined when they do (or the SDK checks them
 * itself). The SDK parses params inside its handlers and reports a failed parse (and a resource URI that is
 * no URI) as an internal error.
 */
export function invalidRequestParams(message: JSONRPCMessage): string | undefined {
  if (!isJSONRPCRequest(message)) return undefined;
  const schema = REQUEST_SCHEMAS[message.method];
  const checked = schema?.['~standard'].validate(message);
  if (checked?.issues?.length) {
    const problems = checked.issues.map((issue) => `${(issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).filter((part) => part !== 'params').join('.') || 'params'}: ${issue.message}`);
    return `Invalid params for ${message.method}: ${problems.join('; ')}`;
  }
  if (!URI_METHODS.has(message.method)) return undefined;
  const uri = (message.params as { uri?: unknown } | undefined)?.uri;
  if (typeof uri !== 'string') return `Invalid params for ${message.method}: uri: expected a string, received ${uri === undefined ? 'nothing' : typeof uri}`;
  if (!URL.canParse(uri)) return `Invalid params for ${message.method}: uri: not a valid URI`;
  return undefined;
}

/**
 * Answers a request whose params do not fit its method with JSON-RPC invalid params (-32602) before the
 * SDK sees it, which would blame the server for the client's mistake (-32603). Call after `server.connect`.
 */
export function rejectInvalidParams(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('Connect the server to the transport first');
  transport.onmessage = (message, extra) => {
    const problem = invalidRequestParams(message);
    if (!problem || !isJSONRPCRequest(message)) return deliver(message, extra);
    void transport.send({ jsonrpc: '2.0', id: message.id, error: { code: ProtocolErrorCode.InvalidParams, message: problem } }, { relatedRequestId: message.id });
  };
}
