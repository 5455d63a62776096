export interface Usage {
  attempts: number;
  seconds: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export const money = (usd: number): string => `$${usd.toFixed(usd > 0 && usd < 1 ? 3 : 2)}`;

const duration = (seconds: number): string => (seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`);

/** "2 attempts · 43 s · 1,500 tokens in / 250 out · $0.375" */
export function usageText(usage: Usage): string {
  const parts = [`${usage.attempts} attempt${usage.attempts === 1 ? '' : 's'}`, duration(usage.seconds)];
  if (usage.inputTokens || usage.outputTokens) parts.push(`${usage.inputTokens.toLocaleString('en')} tokens in / ${usage.outputTokens.toLocaleString('en')} out`);
  if (usage.costUsd) parts.push(money(usage.costUsd));
  return parts.join(' · ');
}
