import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok } from '../helpers/http.js';
import { registerAgent } from '../helpers/fixtures.js';

export interface ToolCall<T = any> {
  isError: boolean;
  structured: T;
  text: string;
}

/** An MCP client as an agent would run it: the SDK Client over streamable HTTP with the agent's bearer token. */
export async function connectAgent(runtime: Runtime, token: string | undefined, name = 'test-agent') {
  const client = new Client({ name, version: '1.0.0' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(`${runtime.url}/mcp`), { requestInit: { headers } });
  await client.connect(transport);
  const call = async <T = any>(tool: string, args: Record<string, unknown> = {}): Promise<ToolCall<T>> => {
    const result = await client.callTool({ name: tool, arguments: args });
    const content = result.content as Array<{ type: string; text?: string }>;
    return { isError: result.isError === true, structured: result.structuredContent as T, text: content.map((part) => part.text ?? '').join('\n') };
  };
  return { client, call, close: () => client.close() };
}
export type AgentClient = Awaited<ReturnType<typeof connectAgent>>;

/** Registers an agent over REST and connects it over MCP. */
export async function newAgent(runtime: Runtime, overrides: Record<string, unknown> = {}) {
  const agent = await registerAgent(apiClient(runtime.url, runtime.adminToken), overrides);
  const mcp = await connectAgent(runtime, agent.token, agent.name);
  return { agent, token: agent.token as string, ...mcp };
}

/** A raw POST to /mcp (for what the SDK client would never send). */
export async function rawMcp(runtime: Runtime, init: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${runtime.url}/mcp`, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body: init.body,
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // leave as text
  }
  return { status: response.status, headers: response.headers, body };
}

export const admin = (runtime: Runtime) => apiClient(runtime.url, runtime.adminToken);
export { ok };
