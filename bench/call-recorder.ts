import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReplayCalls } from './cold-start-floors/replay.js';

/** One AWS call as it went over the wire: its X-Amz-Target (e.g. `DynamoDB_20120810.GetItem`) and JSON body. */
export interface RecordedCall {
  target: string;
  body: unknown;
  startMs: number;
  endMs: number;
  /** What `beforeForward` answered for this call (e.g. the items a write was about to change). */
  before?: unknown;
}

/**
 * A pass-through HTTP proxy in front of an AWS JSON-protocol endpoint (DynamoDB Local, fauxqs) that records
 * every call made through it: what a function really sends on its first request, for a floor that replays
 * exactly those calls with the bare SDK (bench/cold-start-floors/).
 */
export async function startCallRecorder(
  upstream: string,
  beforeForward?: (target: string, body: unknown) => Promise<unknown>,
): Promise<{ endpoint: string; take(): RecordedCall[]; stop(): Promise<void> }> {
  const target = new URL(upstream);
  let calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const call: RecordedCall = { target: String(req.headers['x-amz-target'] ?? ''), body: parse(body), startMs: 0, endMs: 0 };
      if (beforeForward && call.target) call.before = await beforeForward(call.target, call.body).catch((error: Error) => ({ error: error.message }));
      call.startMs = call.endMs = performance.now();
      const upstreamRequest = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (upstreamResponse) => {
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
          upstreamResponse.on('end', () => {
            call.endMs = performance.now();
            if (call.target) calls.push(call);
          });
        },
      );
      upstreamRequest.on('error', () => res.destroy());
      upstreamRequest.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    take() {
      const taken = calls.sort((a, b) => a.startMs - b.startMs);
      calls = [];
      return taken;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The calls for a replay, in the order they started, each after the call that ended last before it started
 * (the answer it waited for; none when no call had ended). Calls sent side by side go side by side again, and a
 * chain among them (a Query, then the BatchWriteItem of what it found, while other Queries still run) stays a
 * chain. Where a call waited for several answers, only the last to arrive is kept: a floor never waits longer
 * than the function did.
 */
export function replayCalls(calls: RecordedCall[]): ReplayCalls {
  return calls.map((call, own) => {
    let after: number | undefined;
    calls.forEach((other, index) => {
      if (index < own && other.endMs <= call.startMs && (after === undefined || other.endMs > calls[after].endMs)) after = index;
    });
    return { target: call.target, body: withoutIdempotencyToken(call.body), ...(after === undefined ? {} : { after }) };
  });
}

/**
 * A recorded body without the idempotency token the SDK filled in (TransactWriteItems' `ClientRequestToken`):
 * DynamoDB (and DynamoDB Local) answers a second transaction with the same token, within ten minutes, from
 * the first one's result without writing anything, so a floor replaying it would skip the very writes it is
 * there to make. Without it, the floor's SDK fills in a fresh token, as the function's did.
 */
function withoutIdempotencyToken(body: unknown): unknown {
  if (!body || typeof body !== 'object' || !('ClientRequestToken' in body)) return body;
  const { ClientRequestToken: _token, ...rest } = body as Record<string, unknown>;
  return rest;
}
