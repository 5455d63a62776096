import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** Turns an HTTP request into the API Gateway v2 (payload 2.0) event AWS sends; function URLs send the same shape. */
export function httpEventV2(input: {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  routeKey: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of input.url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const textual = input.body.length === 0 || /json|text|xml|x-www-form-urlencoded/i.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.url.pathname,
    rawQueryString: input.url.search.replace(/^\?/, ''),
    cookies: cookies.length ? cookies : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: input.pathParameters && Object.keys(input.pathParameters).length ? input.pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: input.method,
        path: input.url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: input.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: input.body.length ? (textual ? input.body.toString('utf8') : input.body.toString('base64')) : undefined,
    isBase64Encoded: input.body.length > 0 && !textual,
  };
}

/** A JSON-RPC message POSTed to the MCP function URL by an agent holding `agentToken`, as the function URL sends it. */
export function mcpPostEvent(message: unknown, agentToken: string): APIGatewayProxyEventV2 {
  return httpEventV2({
    method: 'POST',
    url: new URL('https://mcp.example.test/mcp'),
    headers: {
      host: 'mcp.example.test',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${agentToken}`,
    },
    body: Buffer.from(JSON.stringify(message)),
    routeKey: '$default',
  });
}

export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
