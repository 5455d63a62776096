import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { deployedUnderTest, startTestRuntime } from '../helpers/runtime.js';
import { newAgent } from './mcp-client.js';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
});
afterAll(() => runtime?.stop());

/** One JSON-RPC POST to /mcp over the given keep-alive agent; resolves with the answer and whether the connection was reused. */
function postMcp(agent: Agent, token: string, id: number) {
  return new Promise<{ status: number; body: any; reused: boolean; keepAlive: string | undefined }>((resolve, reject) => {
    const req = request(
      `${runtime.url}/mcp`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), reused: req.reusedSocket, keepAlive: res.headers['keep-alive'] as string | undefined }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }));
  });
}

describe('MCP over a kept-alive connection', () => {
  // An agent pauses between tool calls (its model thinks) and its HTTP client reuses the pooled connection.
  // With Node's default 5 s keep-alive the server closed the connection at about the moment such a client
  // reused it, and the request failed with ECONNRESET (the MCP property test hit this after a 5 s pause).
  it.skipIf(deployedUnderTest)('a request on a connection idle for longer than 5 s is answered on that connection', async () => {
    const { token, close } = await newAgent(runtime);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await postMcp(agent, token, 1);
      expect(first).toMatchObject({ status: 200, body: { jsonrpc: '2.0', id: 1, result: {} }, reused: false });
      // The server tells the client how long it keeps the idle connection.
      expect(Number(/timeout=(\d+)/.exec(first.keepAlive ?? '')?.[1])).toBeGreaterThanOrEqual(60);

      await new Promise((resolve) => setTimeout(resolve, 6_000));

      const second = await postMcp(agent, token, 2);
      expect(second).toMatchObject({ status: 200, body: { jsonrpc: '2.0', id: 2, result: {} }, reused: true });
    } finally {
      agent.destroy();
      await close();
    }
  }, 60_000);
});
