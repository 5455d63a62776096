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
