import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config, dynamodbEndpointSetting } from '../config.js';

let cached: { endpoint: string | undefined; client: DynamoDBDocumentClient } | undefined;

/**
 * The document client. The SDK itself honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB, so the same
 * code talks to AWS, LocalStack or DynamoDB Local. Cached per endpoint, created on first use.
 */
export function documentClient(): DynamoDBDocumentClient {
  const endpoint = dynamodbEndpointSetting();
  if (cached && cached.endpoint === endpoint) return cached.client;
  const client = new DynamoDBClient({ maxAttempts: config().dynamodbMaxAttempts });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  cached = { endpoint, client: documents };
  return documents;
}

/** Lets tests and the fault suite add SDK middleware (e.g. throttling) to the shared client. */
export const resetDocumentClient = (): void => {
  cached = undefined;
};
