import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { TransportError } from './errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The JSON body of a request: 415 for another content type, 413 over 1 MiB, 400 for an empty or malformed
 * body. Hand-written rather than @middy/http-json-body-parser: that middleware answers a malformed or
 * missing body with 415 (not 400), matches the media type case-sensitively, has no size limit and runs
 * before the handler, so before authentication; keeping our answers would leave it only the JSON.parse.
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  const contentType = event.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new TransportError('UNSUPPORTED_MEDIA_TYPE', `Send the body as JSON with 'Content-Type: application/json' (got '${contentType || 'none'}')`);
  }
  const raw = rawBody(event);
  if (raw.length > MAX_BODY_BYTES) {
    throw new TransportError('PAYLOAD_TOO_LARGE', `The body is ${raw.length} bytes; the limit is ${MAX_BODY_BYTES} bytes (1 MiB)`);
  }
  if (raw.length === 0) throw new TransportError('INVALID_JSON', 'The request needs a JSON body');
  return parseJson(raw);
}

/** The bytes read as JSON, or 400 INVALID_JSON. */
export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new TransportError('INVALID_JSON', `The body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Whether the body is the empty JSON object `{}` (whitespace allowed): what many HTTP clients send for
 * "no body", so an operation that takes none accepts it as none. Anything else is a body.
 */
export function isEmptyJsonObject(event: APIGatewayProxyEventV2): boolean {
  const raw = rawBody(event);
  if (raw.length === 0 || raw.length > 1024) return false;
  return /^\s*\{\s*\}\s*$/.test(raw.toString('utf8'));
}

/** The exact bytes of the request body (what a signature covers). */
export const rawBody = (event: APIGatewayProxyEventV2): Buffer =>
  event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
