import { isDomainError, isThrottlingError, isTransactionConflict, logger } from '@aiworker/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from './json.js';


/** Seconds a client is asked to wait after DynamoDB throttled its request. */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/**
 * Domain errors keep their status and code. DynamoDB throttling that outlasted the SDK's retries is a 503
 * with Retry-After (nothing was written: retry), and a transaction that kept colliding with others a 409;
 * anything else is a 500 whose detail goes to the log only.
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (isDomainError(error)) {
    const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer realm="aiworker"' } : {};
    return json(error.status, { success: false, error: { code: error.code, message: error.message, details: error.details } }, headers);
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
