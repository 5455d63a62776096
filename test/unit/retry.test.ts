import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { AGAIN, retry } from '../../packages/core/src/db/retry.js';

/** What DynamoDB answers when another transaction holds one of the items. */
const conflict = () =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] });
const noPause = () => 0;

describe('one retry helper with one budget (db/retry.ts)', () => {
  it('plans a lost race again, and gives up with the caller’s error after its attempts', async () => {
    let steps = 0;
    const won = await retry({ attempts: 5, backoffMs: noPause }, async (attempt) => (++steps, attempt < 3 ? AGAIN : 'written'));
    expect([won, steps]).toEqual(['written', 3]);
    steps = 0;
    const lost = retry({ attempts: 4, backoffMs: noPause, giveUp: () => new Error('kept changing; try again') }, async () => (++steps, AGAIN));
    await expect(lost).rejects.toThrow('kept changing; try again');
    expect(steps).toBe(4);
  });

  it('retries a cancelled transaction, then throws DynamoDB’s error for the edge to map; other errors at once', async () => {
    let tries = 0;
    await expect(retry({ attempts: 1, backoffMs: noPause }, async () => (++tries, Promise.reject(conflict())))).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(tries).toBe(6);
    tries = 0;
    await expect(retry({ attempts: 9, backoffMs: noPause }, async () => (++tries, Promise.reject(new Error('not DynamoDB'))))).rejects.toThrow('not DynamoDB');
    expect(tries).toBe(1);
  });

  it('shares the budget of cancelled transactions with the loop around it instead of multiplying it', async () => {
    let transactions = 0;
    const transact = () => retry({ attempts: 1, backoffMs: noPause }, async () => (++transactions, Promise.reject(conflict())));
    const update = retry({ attempts: 60, backoffMs: noPause }, async () => {
      await transact();
      return 'written';
    });
    await expect(update).rejects.toBeInstanceOf(TransactionCanceledException);
    // 6 tries in all, not 60 rounds × 6.
    expect(transactions).toBe(6);
  });
});
