import { dynamoSender } from './dynamodb.js';
import { replay, type ReplayGroups } from './replay.js';

/**
 * The cold-start floor of a function that only talks to DynamoDB: a fresh process that creates the bare
 * SDK's client and makes exactly the calls the function made on its first request (recorded on the wire,
 * side by side where the function sent them side by side), bundled with the same esbuild settings.
 */
export const handler = async (event: { groups: ReplayGroups }) => {
  const send = dynamoSender();
  return replay(event.groups, (target, body) => send(target, body));
};
