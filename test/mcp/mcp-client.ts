import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
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

/**
 * The protocol era a test client speaks: `legacy` is the SDK 1.x client (2025-era: initialize, then
 * requests), as MCP Inspector 2.12 and older agents speak it; `modern` is the SDK v2 client negotiating
 * 2026-07-28 (server/discover, a per-request envelope, no session).
 */
export type Era = 'legacy' | 'modern';
export const ERAS: readonly Era[] = ['legacy', 'modern'];

/** An SDK v2 client that offers 2026-07-28 (it only does with `versionNegotiation: auto`). */
export async function connectModern(url: string, token: string | undefined, name = 'test-agent') {
  const client = new ModernClient({ name, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new ModernTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function connectLegacy(url: string, token: string | undefined, name: string) {
  const client = new Client({ name, version: '1.0.0' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** An MCP client as an agent would run it: an SDK Client over streamable HTTP with the agent's bearer token. */
export async function connectAgent(runtime: Runtime, token: string | undefined, name = 'test-agent', era: Era = 'legacy') {
  const url = `${runtime.url}/mcp`;
  const client = era === 'modern' ? await connectModern(url, token, name) : await connectLegacy(url, token, name);
  const call = async <T = any>(tool: string, args: Record<string, unknown> = {}): Promise<ToolCall<T>> => {
    const result = await client.callTool({ name: tool, arguments: args });
    const content = result.content as Array<{ type: string; text?: string }>;
    return { isError: result.isError === true, structured: result.structuredContent as T, text: content.map((part) => part.text ?? '').join('\n') };
  };
  const protocolVersion = era === 'modern' ? (client as ModernClient).getNegotiatedProtocolVersion() : undefined;
  return { client, call, protocolVersion, close: () => client.close() };
}
export type AgentClient = Awaited<ReturnType<typeof connectAgent>>;

/** Registers an agent over REST and connects it over MCP. */
export async function newAgent(runtime: Runtime, overrides: Record<string, unknown> = {}, era: Era = 'legacy') {
  const agent = await registerAgent(apiClient(runtime.url, runtime.adminToken), overrides);
  const mcp = await connectAgent(runtime, agent.token, agent.name, era);
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
