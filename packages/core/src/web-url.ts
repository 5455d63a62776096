/**
 * A URL from elsewhere (Gitea's answers) that aiworker stores and the board shows as a link: only http(s).
 * `javascript:`, `data:` and the like are dropped, so a hostile or broken Gitea cannot plant a script link.
 */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
