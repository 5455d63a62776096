import * as DynamoDB from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB call by its wire name (`DynamoDB_20120810.GetItem`) with the bare SDK: the low-level client
 * takes DynamoDB's wire JSON as a command's input as it is.
 */
export function dynamoSender() {
  const client = new DynamoDB.DynamoDBClient({});
  const commands = DynamoDB as unknown as Record<string, new (input: unknown) => DynamoDB.GetItemCommand>;
  return (target: string, body: unknown) => {
    const name = `${target.split('.').pop()}Command`;
    const Command = commands[name];
    if (!Command) throw new Error(`floor: no DynamoDB command ${name}`);
    return client.send(new Command(body));
  };
}
