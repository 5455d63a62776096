/** Runs `work(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
}

export const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
