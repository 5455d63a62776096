import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const json = (statusCode: number, payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(payload),
});
