/**
 * What a remote party sends (a Gitea error message, a URL in its answer) is stored only as a bounded
 * excerpt: a DynamoDB item is at most 400 KB, and one oversized error must not make a job unrecordable.
 */
export const EXCERPT_MAX = 1000;

export function excerpt(text: string, max = EXCERPT_MAX): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Every string in a (JSON) value cut to an excerpt; arrays and objects are bounded too. */
export function boundedCopy(value: unknown, max = EXCERPT_MAX, depth = 0): unknown {
  if (typeof value === 'string') return excerpt(value, max);
  if (depth > 4 || value === null || typeof value !== 'object') return typeof value === 'object' && value !== null ? '[…]' : value;
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => boundedCopy(item, max, depth + 1));
  return Object.fromEntries(Object.entries(value).slice(0, 50).map(([key, item]) => [excerpt(key, 100), boundedCopy(item, max, depth + 1)]));
}
