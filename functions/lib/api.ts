import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { ValidationError, actorOf, authorize, type Caller } from '@aiworker/core';
import type { BodyOf, Operation, ParamsOf, QueryOf } from './contract.js';
import { routes } from '@aiworker/infra/routes';
import { errorResponse } from './errors.js';
import { json } from './json.js';
import { isEmptyJsonObject, parseJsonBody } from './body.js';
import { validate } from './validate.js';
import { credentialsOf } from './caller.js';
import { correlated } from './correlation.js';
import { headLikeGet } from './head.js';

export interface Request<O extends Operation> {
  params: ParamsOf<O>;
  query: QueryOf<O>;
  body: BodyOf<O>;
  caller: Caller | undefined;
  /** How the caller appears in a task's events: `admin`, `gitea:<login>`, `agent:<id>`. */
  actor: string | undefined;
  event: APIGatewayProxyEventV2;
  /** Adds a `Set-Cookie` to the response. */
  setCookie(cookie: string): void;
}

type Result = unknown | { items: unknown[]; cursor?: string };

/*
 * Why not Powertools' event handler (@aws-lambda-powertools/event-handler 2.35, evaluated for issue 23):
 * its REST part is a router — many routes inside one function — and is marked "under active development,
 * may undergo significant changes; use in non-critical workloads". Here API Gateway already routes: each
 * operation is its own function (one bundle with only its schemas), routed from infra/routes.ts, the one
 * route table. A Powertools router in each function would be a second route table holding one route, and
 * what this file does besides routing (auth from the route table, validation with the zod contract (contract.ts),
 * the envelope, ETag/304, HEAD as GET, errors mapped in one place) would stay ours. The local router
 * (packages/local/src/router.ts) stands in for API Gateway in front of those functions, not for an
 * in-function router, so the event handler cannot replace it either. Middy stays (as for the body parser).
 */

/**
 * Builds the Lambda handler of one REST operation (its export in contract.ts, so the bundle holds
 * only that operation's schemas): auth from the route table, body/params/query validated with the
 * operation's zod schemas, the result wrapped in the JSON envelope, and every error mapped to a status
 * and envelope in one place.
 */
export function api<O extends Operation>(operation: O, run: (request: Request<O>) => Promise<Result> | Result) {
  const key = operation.key;
  const [method, path] = key.split(' ');
  const route = routes.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route) throw new Error(`No route for ${key} in infra/routes.ts`);

  const base = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const params = validate('path parameter', operation.params, event.pathParameters ?? {}) as ParamsOf<O>;
    const caller = route.auth === 'none' ? undefined : await authorize(credentialsOf(event), route.auth, (params as { id?: string } | undefined)?.id);
    const query = validate('query parameter', operation.query, event.queryStringParameters ?? {}) as QueryOf<O>;
    if (!operation.body) refuseBody(method, event);
    const emptyBody = operation.optionalBody && !event.body;
    const body = (operation.body ? validate('body field', operation.body, emptyBody ? {} : parseJsonBody(event)) : undefined) as BodyOf<O>;
    const cookies: string[] = [];
    const result = await run({ params, query, body, caller, actor: actorOf(caller), event, setCookie: (cookie) => void cookies.push(cookie) });
    const response = respond(operation, result, event);
    return cookies.length ? { ...response, cookies } : response;
  };

  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use({ onError: (request) => void (request.response = errorResponse(request.error)) })
    .handler(base);
  return correlated(headLikeGet((event, context) => handler(event, context)));
}

/**
 * An operation without a body refuses one rather than ignoring it (a DELETE's version goes in the query).
 * `{}` is no body: many clients send it when there is nothing to send.
 */
function refuseBody(method: string, event: APIGatewayProxyEventV2) {
  if (!event.body || (!event.isBase64Encoded && event.body.trim() === '') || isEmptyJsonObject(event)) return;
  const hint = method === 'DELETE' ? "; send the version as a query parameter: ?version=N" : '';
  throw new ValidationError(`${method} ${event.rawPath ?? ''} takes no request body${hint}`.replace(/ {2,}/g, ' '), { body: 'not allowed' });
}

function respond(operation: Operation, result: Result, event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 {
  let payload: Record<string, unknown>;
  if (operation.raw) {
    payload = result as Record<string, unknown>;
  } else if (operation.list) {
    const page: { items: unknown[]; cursor?: string } = Array.isArray(result) ? { items: result } : (result as { items: unknown[]; cursor?: string });
    payload = { success: true, data: page.items, count: page.items.length, ...(page.cursor ? { cursor: page.cursor } : {}) };
  } else {
    payload = { success: true, data: result };
  }
  const response = json(operation.status ?? 200, payload);
  return event.requestContext.http.method === 'GET' ? conditional(response, event) : response;
}

/**
 * GET answers carry an ETag of their body; a client that sends it back in If-None-Match gets 304 and no
 * body when nothing changed (the board polls this way).
 */
function conditional(response: APIGatewayProxyStructuredResultV2, event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 {
  const etag = `"${createHash('sha256').update(response.body ?? '').digest('base64url').slice(0, 32)}"`;
  const headers = { ...response.headers, etag, 'cache-control': 'private, no-cache' };
  const asked = event.headers['if-none-match'];
  if (asked && asked.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return { statusCode: 304, headers: { etag, 'cache-control': 'private, no-cache' }, body: '' };
  }
  return { ...response, headers };
}
