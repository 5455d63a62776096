/**
 * The JSON body of a REST request as Lambda hands it over: API Gateway and function URLs send a body they
 * do not take for text base64-encoded (`isBase64Encoded`), which the local runtime never does for JSON.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpEventV2 } from '../../packages/local/src/lambda-events.js';
import { MAX_BODY_BYTES, parseJsonBody } from '../../functions/lib/body.js';
import { errorResponse } from '../../functions/lib/errors.js';

const event = (body: string | undefined, isBase64Encoded: boolean, contentType = 'application/json'): APIGatewayProxyEventV2 => ({
  ...httpEventV2({ method: 'POST', url: new URL('https://api.example.test/api/tasks'), headers: { 'content-type': contentType }, body: Buffer.alloc(0), routeKey: 'POST /api/tasks' }),
  body,
  isBase64Encoded,
});
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** What the client gets when the body is refused: the status and the error of the envelope. */
function refusal(input: APIGatewayProxyEventV2) {
  let thrown: unknown;
  try {
    parseJsonBody(input);
  } catch (error) {
    thrown = error;
  }
  const response = errorResponse(thrown);
  return { status: response.statusCode, error: JSON.parse(response.body as string).error as { code: string; message: string } };
}

describe('the JSON body', () => {
  it('decodes a base64-encoded body before parsing it', () => {
    expect(parseJsonBody(event(base64('{"title":"Straße"}'), true))).toEqual({ title: 'Straße' });
  });

  it('measures the limit on the decoded bytes: 413 just over 1 MiB, though the base64 text is longer', () => {
    const within = JSON.stringify({ d: 'x'.repeat(MAX_BODY_BYTES - 10) });
    expect(parseJsonBody(event(base64(within), true))).toEqual({ d: expect.any(String) });
    const over = JSON.stringify({ d: 'x'.repeat(MAX_BODY_BYTES) });
    expect(refusal(event(base64(over), true))).toEqual({ status: 413, error: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining(`${over.length} bytes`) }) });
  });

  it('refuses malformed, empty and missing bodies with a 400 that says which', () => {
    expect(refusal(event(base64('{"title":'), true))).toEqual({ status: 400, error: expect.objectContaining({ code: 'INVALID_JSON', message: expect.stringMatching(/^The body is not valid JSON: /) }) });
    expect(refusal(event('   ', false))).toEqual({ status: 400, error: expect.objectContaining({ code: 'INVALID_JSON', message: expect.stringMatching(/^The body is not valid JSON: /) }) });
    for (const missing of [event('', false), event('', true), event(undefined, false)]) {
      expect(refusal(missing)).toEqual({ status: 400, error: expect.objectContaining({ code: 'INVALID_JSON', message: 'The request needs a JSON body' }) });
    }
  });

  it('refuses another content type with 415 before reading the body', () => {
    expect(refusal(event(base64('x'.repeat(MAX_BODY_BYTES + 1)), true, 'application/octet-stream'))).toEqual({
      status: 415,
      error: expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE', message: "Send the body as JSON with 'Content-Type: application/json' (got 'application/octet-stream')" }),
    });
  });
});
