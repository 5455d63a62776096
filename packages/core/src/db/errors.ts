import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** DynamoDB's names for "too many requests right now": the SDK retries these itself, up to its max attempts. */
const THROTTLING_NAMES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'Throttling', 'TooManyRequestsException']);

/**
 * How DynamoDB's errors are read, in one place: by class or, for an error that crossed a module copy of the
 * SDK, by name. Repositories turn them into answers (false, undefined, a failed guard's index); only
 * throttling and transaction conflicts reach the edges, which map them (functions/lib/errors.ts, mcp/results.ts).
 */
const named = (error: unknown, name: string): boolean => (error as { name?: string } | undefined)?.name === name;

/** A conditional write whose condition did not hold. */
export const isConditionFailed = (error: unknown): boolean => error instanceof ConditionalCheckFailedException || named(error, 'ConditionalCheckFailedException');

/** A transaction DynamoDB cancelled, for whatever reason (a failed guard, another writer, throttling). */
export const isTransactionCanceled = (error: unknown): boolean => error instanceof TransactionCanceledException || named(error, 'TransactionCanceledException');

const cancellationCodes = (error: unknown): string[] =>
  isTransactionCanceled(error) ? ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') : [];

/** A transaction cancelled only because of other transactions or throttling, not because a guard failed. */
const onlyCodes = (codes: string[], allowed: string[]) =>
  codes.some((code) => allowed.includes(code)) && codes.every((code) => code === 'None' || allowed.includes(code));

/**
 * DynamoDB (or its per-item transaction limit) throttled the call, beyond what the SDK retried: a
 * transient condition the caller should retry after a moment, never an internal error.
 */
export function isThrottlingError(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (THROTTLING_NAMES.has(name)) return true;
  const codes = cancellationCodes(error);
  return codes.length > 0 && onlyCodes(codes, ['ThrottlingError', 'TransactionConflict']) && codes.includes('ThrottlingError');
}

/** Another transaction was changing the same items at the same moment (DynamoDB cancels one of them). */
export function isTransactionConflict(error: unknown): boolean {
  return onlyCodes(cancellationCodes(error), ['TransactionConflict']);
}

/** A transaction cancelled only by other transactions or throttling: it wrote nothing and may be tried again (db/retry.ts). */
export const isTransientTransaction = (error: unknown): boolean => onlyCodes(cancellationCodes(error), ['TransactionConflict', 'ThrottlingError']);

/** The failed guards of a cancelled transaction: the index of each item whose condition did not hold (none for another error). */
export const failedConditions = (error: unknown): number[] =>
  isTransactionCanceled(error) ? ((error as TransactionCanceledException).CancellationReasons ?? []).flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : [])) : [];
