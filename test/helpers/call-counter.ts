import { documentClient } from '../../packages/core/src/db/client.js';

export interface CountedCall {
  command: string;
  /** The item or index partition the call went to (`pk`, or the index and its partition value). */
  target: string;
}

function targetOf(input: Record<string, any>): string {
  const key = input.Key?.pk;
  if (key) return String(key);
  if (input.IndexName) return `${input.IndexName}:${Object.values(input.ExpressionAttributeValues ?? {})[0]}`;
  if (input.TransactItems) return `transact(${input.TransactItems.length})`;
  return '?';
}

/**
 * Counts every DynamoDB call (reads and writes, refused conditional writes too) the handlers make in this
 * process through core's document client: what a request costs in round trips, as a user of a busy
 * table pays for it.
 */
export function countCalls() {
  const calls: CountedCall[] = [];
  const name = `call-counter-${Math.random().toString(36).slice(2)}`;
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: context.commandName ?? '?', target: targetOf(args.input as Record<string, any>) });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    calls,
    clear: () => void calls.splice(0),
    stop: () => void documentClient().middlewareStack.remove(name),
  };
}
