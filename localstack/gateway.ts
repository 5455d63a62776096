/**
 * A stand-in for API Gateway in front of the functions deployed to LocalStack (whose free edition has no
 * HTTP APIs). Function URL events carry no path parameters, so `/api/tasks/{id}` needs a router: this
 * matches each request against infra/routes.ts (plus the MCP path) with the local runtime's router, builds
 * the same payload-2.0 event, and invokes the deployed function through the Lambda API.
 *
 *   npm run localstack:gateway                 # http://localhost:4599 (GATEWAY_PORT to change)
 *   AIWORKER_E2E_API_URL=http://localhost:4599 AIWORKER_E2E_ADMIN_TOKEN=<printed by deploy> npm run test:e2e
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mcpFunction } from '../infra/functions.js';
import { routes } from '../infra/routes.js';
import { httpEventV2 } from '../packages/local/src/lambda-events.js';
import { createRouter, fromRouteTable } from '../packages/local/src/router.js';
import { deployableId } from '../stacks/deployables.js';

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function startGateway(options: { port?: number; endpoint?: string; region?: string; namePrefix?: string } = {}) {
  const lambda = new LambdaClient({
    endpoint: options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566',
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
  const prefix = options.namePrefix ?? 'aiworker-';
  const route = createRouter([
    ...fromRouteTable(routes),
    { method: '*', path: mcpFunction.path, handler: mcpFunction.handler, routeKey: '$default' },
  ]);

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const method = (req.method ?? 'GET').toUpperCase();
      const match = route(method, url.pathname);
      if (match.kind === 'not-found') return reply(res, 404, { message: 'Not Found' });
      if (match.kind === 'bad-path') return reply(res, 400, { message: match.message });
      if (match.kind === 'method-not-allowed') return reply(res, 405, { message: 'Method Not Allowed' }, { allow: match.allow.join(', ') });
      const event = httpEventV2({
        method,
        url,
        headers: req.headers,
        body: await readBody(req),
        routeKey: match.route.routeKey,
        pathParameters: match.pathParameters,
        sourceIp: req.socket.remoteAddress,
      });
      const output = await lambda.send(
        new InvokeCommand({ FunctionName: `${prefix}${deployableId(match.route.handler)}`, Payload: Buffer.from(JSON.stringify(event)) }),
      );
      const payload = output.Payload ? JSON.parse(Buffer.from(output.Payload).toString('utf8')) : null;
      if (output.FunctionError) return reply(res, 502, { message: 'Internal Server Error', error: payload });
      const headers: Record<string, string | string[]> = { ...(payload?.headers ?? {}) };
      if (payload?.cookies?.length) headers['set-cookie'] = payload.cookies;
      res.writeHead(payload?.statusCode ?? 200, headers);
      res.end(payload?.body === undefined ? undefined : Buffer.from(payload.body, payload.isBase64Encoded ? 'base64' : 'utf8'));
    } catch (error) {
      console.error('Gateway failed', error);
      if (!res.headersSent) reply(res, 502, { message: 'Bad Gateway' });
      else res.end();
    }
  });
  const port = options.port ?? Number(process.env.GATEWAY_PORT ?? 4599);
  server.listen(port, () => console.log(`API Gateway stand-in on http://localhost:${port} → Lambda at ${process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566'}`));
  return server;
}

if (process.argv[1]?.endsWith('gateway.ts')) startGateway();
