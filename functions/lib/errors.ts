import { RateLimitedError, isDomainError, isThrottlingError, isTransactionConflict, logger, type ErrorCode } from '@aiworker/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from './json.js';

/** What only HTTP can get wrong: the request's bytes or method, before any domain rule reads it. */
export type TransportErrorCode = 'INVALID_JSON' | 'UNSUPPORTED_MEDIA_TYPE' | 'PAYLOAD_TOO_LARGE' | 'METHOD_NOT_ALLOWED';

/** A request refused by the HTTP layer itself (answered like a domain error: its code, its status, the envelope). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The HTTP status of each error code, the domain's and the transport's: the one place a code becomes a status. */
const HTTP_STATUS: Record<ErrorCode | TransportErrorCode, number> = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  VERSION_CONFLICT: 409,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
};

export const httpStatusOf = (code: ErrorCode | TransportErrorCode): number => HTTP_STATUS[code];

/** Seconds a client is asked to wait after DynamoDB throttled its request. */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/**
 * A domain error keeps its code and gets that code's status (a 401 with a Bearer challenge). DynamoDB
 * throttling that outlasted the SDK's retries is a 503 with Retry-After (nothing was written: retry), and a
 * transaction that kept colliding with others a 409; anything else is a 500 whose detail goes to the log only.
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof TransportError) return json(httpStatusOf(error.code), { success: false, error: { code: error.code, message: error.message } });
  if (isDomainError(error)) {
    const headers: Record<string, string> = error.code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer realm="aiworker"' } : {};
    if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
    return json(httpStatusOf(error.code), { success: false, error: { code: error.code, message: error.message, details: error.details } }, headers);
  }
  if (isThrottlingError(error)) {
    logger.warn('DynamoDB throttled the request', { error: error as Error });
    return json(
      503,
      {
        success: false,
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: `The database is busy right now and the request was not carried out; retry in ${THROTTLED_RETRY_AFTER_SECONDS} second(s)`,
        },
      },
      { 'retry-after': String(THROTTLED_RETRY_AFTER_SECONDS) },
    );
  }
  if (isTransactionConflict(error)) {
    logger.warn('A transaction kept colliding with others', { error: error as Error });
    return json(409, {
      success: false,
      error: { code: 'CONFLICT', message: 'The same records were being changed by other requests at this moment and nothing was changed; try again' },
    });
  }
  logger.error('Unhandled error', { error: error as Error });
  return json(500, { success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
}
