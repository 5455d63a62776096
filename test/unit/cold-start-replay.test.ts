/**
 * The cold-start floor replays a function's recorded calls (bench/cold-start.ts): side by side where the function
 * sent them side by side, and a call that needed another's answer only after it (a chain inside a fan-out stays
 * a chain, so a floor never does in one round trip what took the function two).
 */
import { describe, expect, it } from 'vitest';
import { replayCalls, type RecordedCall } from '../../bench/call-recorder.js';
import { replay, roundTripsInSequence } from '../../bench/cold-start-floors/replay.js';

const call = (target: string, startMs: number, endMs: number): RecordedCall => ({ target, body: { target }, startMs, endMs });

describe('cold-start floor replay', () => {
  // A task's delete: read it, write, then four Queries side by side, one of which is followed by the BatchWriteItem
  // of what it found while the other three are still running.
  const recorded = [
    call('GetTask', 0, 10),
    call('Transact', 11, 20),
    call('QueryEvents', 21, 26),
    call('QueryEdges', 21, 35),
    call('QueryLog', 22, 36),
    call('QueryUsage', 22, 37),
    call('BatchWriteEvents', 27, 33),
  ];

  it('puts each call after the one that answered last before it was sent', () => {
    expect(replayCalls(recorded).map((c) => [c.target, c.after === undefined ? undefined : recorded[c.after].target])).toEqual([
      ['GetTask', undefined],
      ['Transact', 'GetTask'],
      ['QueryEvents', 'Transact'],
      ['QueryEdges', 'Transact'],
      ['QueryLog', 'Transact'],
      ['QueryUsage', 'Transact'],
      ['BatchWriteEvents', 'QueryEvents'],
    ]);
    expect(roundTripsInSequence(replayCalls(recorded))).toBe(4);
    expect(roundTripsInSequence(replayCalls([call('A', 0, 5), call('B', 1, 6)]))).toBe(1);
    expect(roundTripsInSequence([])).toBe(0);
  });

  it('sends a chained call only once the call it waited for has answered, and the others side by side', async () => {
    const events: string[] = [];
    const pending = new Map<string, () => void>();
    const send = (target: string) =>
      new Promise<unknown>((resolve) => {
        events.push(`send ${target}`);
        pending.set(target, () => {
          events.push(`answer ${target}`);
          resolve({});
        });
      });
    const answer = async (target: string) => {
      for (let i = 0; i < 50 && !pending.has(target); i++) await new Promise((resolve) => setImmediate(resolve));
      pending.get(target)!();
      pending.delete(target);
    };
    const done = replay(replayCalls(recorded), send);
    await answer('GetTask');
    await answer('Transact');
    await answer('QueryEdges');
    await new Promise((resolve) => setImmediate(resolve));
    // The four Queries went out together; the BatchWriteItem waits for its own Query, not for the others.
    expect(events.filter((event) => event.startsWith('send'))).toEqual(['send GetTask', 'send Transact', 'send QueryEvents', 'send QueryEdges', 'send QueryLog', 'send QueryUsage']);
    await answer('QueryEvents');
    await answer('BatchWriteEvents');
    await answer('QueryLog');
    await answer('QueryUsage');
    expect(await done).toEqual({ calls: 7, refused: 0 });
    expect(events.indexOf('send BatchWriteEvents')).toBeGreaterThan(events.indexOf('answer QueryEvents'));
  });
});

describe('cold-start floor replay of a transaction', () => {
  it("leaves out the transaction's idempotency token, so the floor's SDK sends a fresh one and DynamoDB writes again", () => {
    const transaction = { TransactItems: [{ Put: { TableName: 'bench', Item: { pk: { S: 'TASK#1' } } } }], ClientRequestToken: 'recorded-token' };
    const [replayed] = replayCalls([{ target: 'DynamoDB_20120810.TransactWriteItems', body: transaction, startMs: 0, endMs: 1 }]);
    expect(replayed.body).toEqual({ TransactItems: transaction.TransactItems });
    expect(transaction.ClientRequestToken).toBe('recorded-token');
  });
});
