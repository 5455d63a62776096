/** Calls as bench/call-recorder.ts recorded them, in groups sent side by side, one group after another. */
export type ReplayGroups = Array<Array<{ target: string; body: unknown }>>;

/**
 * Sends every recorded call again through `send` (the bare SDK's client for the call's service), group by
 * group. A call the service refuses now (a condition that held the first time) is still the same round
 * trip, so refusals are counted, not thrown.
 */
export async function replay(groups: ReplayGroups, send: (target: string, body: unknown) => Promise<unknown>): Promise<{ calls: number; refused: number }> {
  let calls = 0;
  let refused = 0;
  for (const group of groups) {
    await Promise.all(
      group.map((call) =>
        send(call.target, call.body).then(
          () => void calls++,
          (error: { name?: string; $metadata?: unknown }) => {
            // Only an answer from the service counts; anything else (no connection) is a broken floor.
            if (!error?.$metadata) throw error;
            calls++;
            refused++;
          },
        ),
      ),
    );
  }
  return { calls, refused };
}
