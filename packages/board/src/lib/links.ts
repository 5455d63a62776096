/** Whether a URL may be shown as a link: http(s) only (never `javascript:` or `data:`), whatever the API sent. */
export function isWebLink(url: string | undefined): url is string {
  if (!url) return false;
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
