import { documentClient } from '../../packages/core/src/db/client.js';
import { correlationId } from '../../packages/core/src/telemetry.js';

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
  /** The correlation id in scope when the write was made (a request's X-Correlation-Id), if any. */
  correlationId?: string;
}

/** The partition key of a write, in either the document client's or the low-level client's shape. */
function partitionKey(input: unknown): string | undefined {
  const pk = (input as { Key?: Record<string, unknown> }).Key?.pk;
  return typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S;
}

/**
 * Whether a write is the rate limiter counting an attempt (RATE#… items, core/db/rate-limit-repository).
 * A refused sign-in or a wrong bearer token is counted on purpose: that count is what ends a guessing run.
 * It changes no state a user sees, so the recorder leaves it out.
 */
function isRateCounterWrite(input: unknown): boolean {
  return partitionKey(input)?.startsWith('RATE#') ?? false;
}

/**
 * Records every DynamoDB write that took effect (but the rate limiter's counters) the handlers make in this process (they share core's document client),
 * so a test can prove a rejected request wrote nothing.
 */
export function recordWrites() {
  const writes: RecordedWrite[] = [];
  const name = `write-recorder-${Math.random().toString(36).slice(2)}`;
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      // Recorded once DynamoDB took it: a conditional write it refused (a delete of someone else's token) changed nothing.
      const result = await next(args);
      if (WRITE_COMMANDS.has(context.commandName ?? '') && !isRateCounterWrite(args.input)) writes.push({ command: context.commandName!, input: args.input, correlationId: correlationId() });
      return result;
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
