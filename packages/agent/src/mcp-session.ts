import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** A tool answered with `isError: true`: aiworker refused (its message says why). */
export class ToolError extends Error {
  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(`${tool}: ${message}`);
  }
}

export interface TaskView {
  id: string;
  projectId: string;
  title: string;
  description?: string;
  state: string;
  branchName?: string;
  prUrl?: string;
  prNumber?: number;
  question?: string;
  lastResponse?: string;
  lastError?: string;
  feedback?: string;
}

export interface ProjectView {
  id: string;
  name: string;
  giteaOwner: string;
  giteaRepo: string;
  defaultBranch: string;
}

export interface JobView {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  result?: Record<string, unknown>;
  error?: string;
}

const RETRIES = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One agent's connection to aiworker's MCP endpoint: the MCP SDK v2 Client over streamable HTTP with the
 * agent's bearer token. It negotiates the newest protocol both sides speak (2026-07-28 with aiworker:
 * stateless, every request authorised on its own), and falls back to the 2025 handshake against an older
 * server. Network failures are retried with backoff; a tool's refusal is a ToolError.
 */
export class McpSession {
  private client?: Client;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly name: string,
  ) {}

  private async connected(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ name: this.name, version: '0.1.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new StreamableHTTPClientTransport(new URL(this.url), { requestInit: { headers: { Authorization: `Bearer ${this.token}` } } });
    await client.connect(transport);
    this.client = client;
    return client;
  }

  async call<T = Record<string, unknown>>(tool: string, args: Record<string, unknown> = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        const client = await this.connected();
        result = await client.callTool({ name: tool, arguments: args }, { timeout: 60_000 });
      } catch (error) {
        await this.reset();
        const message = error instanceof Error ? error.message : String(error);
        // A wrong token is not worth retrying.
        if (/401|unauthori[sz]ed|invalid token/i.test(message) || attempt >= RETRIES) throw new Error(`${tool}: cannot reach aiworker at ${this.url}: ${message}`);
        await sleep(1000 * 2 ** (attempt - 1));
        continue;
      }
      const text = (result.content as Array<{ type: string; text?: string }> | undefined)?.map((part) => part.text ?? '').join('\n') ?? '';
      if (result.isError) throw new ToolError(tool, text || 'failed');
      return (result.structuredContent ?? (text ? JSON.parse(text) : {})) as T;
    }
  }

  private async reset(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.reset();
  }
}
