/** Latency samples in milliseconds → percentiles. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export async function timeEach(iterations: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export interface Figure {
  name: string;
  value: number;
  floor: number;
  unit: string;
  ratio: number;
  target?: string;
  met?: boolean;
  extra?: Record<string, unknown>;
}

/** A figure: our number against the floor measured in the same run. */
export function figure(name: string, value: number, floor: number, unit: string, target?: { max?: number; min?: number }, extra?: Record<string, unknown>): Figure {
  const ratio = floor === 0 ? Infinity : value / floor;
  const met = target ? (target.max === undefined || ratio <= target.max) && (target.min === undefined || ratio >= target.min) : undefined;
  const targetText = target ? (target.max !== undefined ? `≤ ${target.max}×` : `≥ ${target.min}×`) : undefined;
  return { name, value: round(value), floor: round(floor), unit, ratio: round(ratio), target: targetText, met, extra };
}

/**
 * A figure judged on its pairs: each of `ours` was measured beside the same index of `floors` (the two sides
 * interleaved, the order alternating), and the ratio shown, and the target, is the median of the pairs' own
 * ratios, which a slow phase falling on one side of one pair barely moves. The plain ratio stays in
 * `extra[plainRatio]`.
 */
export function judgedOnPairs(result: Figure, ours: number[], floors: number[], target: { max?: number; min?: number }, ratioIs: string, plainRatio: string): Figure {
  const paired = round(percentile(ours.map((value, k) => value / floors[k]), 50));
  const met = (target.max === undefined || paired <= target.max) && (target.min === undefined || paired >= target.min);
  return { ...result, ratio: paired, met, extra: { ...result.extra, ratioIs, [plainRatio]: result.ratio } };
}
