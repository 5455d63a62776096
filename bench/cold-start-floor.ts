import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * The cold-start floor, bundled by the same esbuild settings as every function: a fresh process that only
 * creates the DynamoDB client and does one GetItem (the least any of our handlers does on a first request).
 */
export const handler = async (event: { pk: string; sk: string }) => {
  const client = new DynamoDBClient({});
  const result = await client.send(new GetItemCommand({ TableName: process.env.AIWORKER_TABLE, Key: { pk: { S: event.pk }, sk: { S: event.sk } } }));
  return { found: result.Item !== undefined };
};
