import { documentClient } from '../../packages/core/src/db/client.js';

const WRITE_COMMANDS = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'TransactWriteCommand',
  'BatchWriteCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

export interface RecordedWrite {
  command: string;
  input: unknown;
}

/**
 * Records every DynamoDB write the handlers make in this process (they share core's document client),
 * so a test can prove a rejected request wrote nothing.
 */
export function recordWrites() {
  const writes: RecordedWrite[] = [];
  const name = `write-recorder-${Math.random().toString(36).slice(2)}`;
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITE_COMMANDS.has(context.commandName ?? '')) writes.push({ command: context.commandName!, input: args.input });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    writes,
    clear: () => void writes.splice(0),
    stop: () => void documentClient().middlewareStack.remove(name),
  };
}

/** Attributes an update may set and still be only a sign of life (`touchAgentUpdate`: lastSeenAt and its index key). */
const LIVENESS_ATTRIBUTES = new Set(['lastSeenAt', '#statusSk', 'updatedAt', 'version']);

/**
 * Whether a write only records that an agent is alive: an update of an agent item that sets nothing but
 * lastSeenAt (and its index key, updatedAt, version). Every MCP request counts as activity, so a
 * rejected MCP call may still make this one write.
 */
export function isLivenessWrite(write: RecordedWrite): boolean {
  if (write.command !== 'UpdateCommand' && write.command !== 'UpdateItemCommand') return false;
  const input = write.input as { Key?: Record<string, unknown>; UpdateExpression?: string };
  const pk = input.Key?.pk;
  const key = typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S;
  if (!key?.startsWith('AGENT#') || !input.UpdateExpression) return false;
  const match = /^\s*SET\s+(.*)$/is.exec(input.UpdateExpression);
  if (!match || /\b(REMOVE|ADD|DELETE)\b/i.test(match[1])) return false;
  const targets = match[1].split(',').map((assignment) => assignment.split('=')[0].trim());
  return targets.every((target) => LIVENESS_ATTRIBUTES.has(target));
}
