/**
 * Calls as bench/call-recorder.ts recorded them, in the order they started. `after`: the call whose answer this
 * one waited for (the one that ended last before it started); none for a call sent first or beside it.
 */
export type ReplayCalls = Array<{ target: string; body: unknown; after?: number }>;

/**
 * Sends every recorded call again through `send` (the bare SDK's client for the call's service), each as soon
 * as the call it waited for has answered: calls sent side by side go side by side again, and a call that
 * needed another's answer (a Query, then the BatchWriteItem of what it found) waits for it, as it did. A call
 * the service refuses now (a condition that held the first time) is still the same round trip, so refusals
 * are counted, not thrown.
 */
export async function replay(calls: ReplayCalls, send: (target: string, body: unknown) => Promise<unknown>): Promise<{ calls: number; refused: number }> {
  let answered = 0;
  let refused = 0;
  const done: Array<Promise<void>> = [];
  for (const call of calls) {
    const ready = call.after === undefined ? Promise.resolve() : done[call.after];
    done.push(
      ready.then(() =>
        send(call.target, call.body).then(
          () => void answered++,
          (error: { name?: string; $metadata?: unknown }) => {
            // Only an answer from the service counts; anything else (no connection) is a broken floor.
            if (!error?.$metadata) throw error;
            answered++;
            refused++;
          },
        ),
      ),
    );
  }
  await Promise.all(done);
  return { calls: answered, refused };
}

/** The longest chain of calls that each waited for the one before: round trips the calls cost at least. */
export const roundTripsInSequence = (calls: ReplayCalls): number => {
  const depth: number[] = [];
  for (const call of calls) depth.push(call.after === undefined ? 1 : depth[call.after] + 1);
  return Math.max(0, ...depth);
};
