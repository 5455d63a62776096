import { Logger } from '@aws-lambda-powertools/logger';
import { isDomainError } from '@aiworker/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from './json.js';

const logger = new Logger({ serviceName: 'aiworker-api' });

/** Domain errors keep their status and code; anything else is a 500 whose detail goes to the log only. */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (isDomainError(error)) {
    const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer realm="aiworker"' } : {};
    return json(error.status, { success: false, error: { code: error.code, message: error.message, details: error.details } }, headers);
  }
  logger.error('Unhandled error', { error: error as Error });
  return json(500, { success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
}
