import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpEventV2, lambdaContext } from './lambda-events.js';
import { loadHandler } from './handler-loader.js';
import { createRouter, type HttpFunction } from './router.js';

/** Lambda's own limit on a synchronous request payload. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/**
 * How long an idle keep-alive connection stays open. Node's default, 5 s, is as short as the idle time
 * many HTTP clients keep a pooled connection (httpx: 5 s) and shorter than an agent often pauses between
 * tool calls: a client that reuses the connection just as the server closes it gets ECONNRESET, not an
 * answer. Like a load balancer's 60 s idle timeout plus a margin, so the client closes first (clients that
 * read the `Keep-Alive: timeout=65` hint, such as fetch, stop reusing it a second before).
 */
const KEEP_ALIVE_MS = 65_000;

function envelopeError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ success: false, error: { code, message } }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

// biome-ignore lint/suspicious/noExplicitAny: a Lambda handler's result, which API Gateway also takes in any shape
function writeResult(res: ServerResponse, result: any, head = false) {
  // Like API Gateway: a result without statusCode is a 200 JSON body.
  if (!result || typeof result !== 'object' || !('statusCode' in result)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
    return;
  }
  const headers: Record<string, string | string[]> = { ...(result.headers ?? {}) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode, headers);
  // A HEAD answer never carries a body, whatever the function returned (its Content-Length says the GET's).
  res.end(head || result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

function requestUrl(target = '/'): URL | undefined {
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target);
  } catch {
    return undefined;
  }
}

/** How a URL names the listening address: `localhost` for "every interface", IPv6 literals in brackets. */
const urlHost = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host);

/**
 * Serves HTTP by invoking Lambda handlers: each request becomes a payload-2.0 event for the handler
 * its route names, and the handler's result becomes the response.
 */
export async function startHttpServer(
  functions: HttpFunction[],
  port: number,
  host = '127.0.0.1',
  /** Answers what no function matches (e.g. the board's static files); true when it answered. */
  fallback?: (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean,
): Promise<{ server: Server; url: string }> {
  const route = createRouter(functions);
  const server = createServer(async (req, res) => {
    try {
      // The path only: a Host header is the client's to send (and may be anything), never part of routing.
      const url = requestUrl(req.url);
      if (!url) return envelopeError(res, 400, 'VALIDATION_ERROR', 'The request target is not a valid path');
      const method = (req.method ?? 'GET').toUpperCase();
      const match = route(method, url.pathname);
      if (match.kind === 'bad-path') return envelopeError(res, 400, 'VALIDATION_ERROR', match.message);
      if (match.kind === 'not-found' && fallback?.(req, res, url.pathname)) return;
      if (match.kind === 'not-found') return envelopeError(res, 404, 'NOT_FOUND', `No endpoint at ${url.pathname}; GET /api lists them`);
      if (match.kind === 'method-not-allowed') {
        return envelopeError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use ${match.allow.join(', ')}`, {
          allow: match.allow.join(', '),
        });
      }
      const body = await readBody(req);
      if (!body) return envelopeError(res, 413, 'PAYLOAD_TOO_LARGE', 'The request is larger than 6 MiB');
      const handler = await loadHandler(match.route.handler);
      const event = httpEventV2({
        method,
        url,
        // This server speaks plain HTTP: say so the way API Gateway says https (a proxy in front may say otherwise).
        headers: { 'x-forwarded-proto': 'http', ...req.headers },
        body,
        routeKey: match.route.routeKey,
        pathParameters: match.pathParameters,
        sourceIp: req.socket.remoteAddress,
      });
      writeResult(res, await handler(event, lambdaContext(match.route.handler)), method === 'HEAD');
    } catch (error) {
      console.error('Handler failed', error);
      if (!res.headersSent) envelopeError(res, 500, 'INTERNAL_ERROR', 'Internal server error');
      else res.end();
    }
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Node's advice: the headers timeout longer than the keep-alive one, so an idle connection ends by the latter.
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${urlHost(host)}:${address.port}` };
}
