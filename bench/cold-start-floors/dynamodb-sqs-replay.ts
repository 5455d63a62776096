import * as SQS from '@aws-sdk/client-sqs';
import { dynamoSender } from './dynamodb.js';
import { replay, type ReplayGroups } from './replay.js';

/** The same for a function that also sends to SQS (the branch and merge routes, the worker): both bare clients. */
export const handler = async (event: { groups: ReplayGroups }) => {
  const dynamo = dynamoSender();
  const sqs = new SQS.SQSClient({});
  const commands = SQS as unknown as Record<string, new (input: unknown) => SQS.SendMessageCommand>;
  return replay(event.groups, (target, body) => {
    if (target.startsWith('DynamoDB')) return dynamo(target, body);
    const Command = commands[`${target.split('.').pop()}Command`];
    if (!Command) throw new Error(`floor: no SQS command for ${target}`);
    return sqs.send(new Command(body));
  });
};
