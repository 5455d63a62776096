/** Gitea's message as a bounded excerpt (a job records it; a DynamoDB item is at most 400 KB). */
const excerpt = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`);

/** A failed Gitea call, classified for the job worker: retry it (with backoff) or record it as permanent. */
export class GiteaError extends Error {
  override readonly name = 'GiteaError';
  /** HTTP status; undefined for network errors and timeouts. */
  readonly status?: number;
  readonly retryable: boolean;
  /** From a `Retry-After` header (429/503), in seconds. */
  readonly retryAfterSeconds?: number;
  /** The operation that failed, e.g. `createBranch`. */
  readonly operation: string;

  constructor(
    message: string,
    opts: { operation: string; status?: number; retryable: boolean; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.operation = opts.operation;
    this.status = opts.status;
    this.retryable = opts.retryable;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isGiteaError(err: unknown): err is GiteaError {
  return err instanceof GiteaError;
}

/** Gitea answered that what was asked for does not exist (404). */
export const isGiteaNotFound = (err: unknown): err is GiteaError => err instanceof GiteaError && err.status === 404;

/** Gitea refused a merge with 405 "Please try again later": it is still checking mergeability (or there is a conflict). */
export const isMergeNotReady = (err: unknown): err is GiteaError => err instanceof GiteaError && err.status === 405 && /try again later/i.test(err.message);

/** The same failure made retryable, with why it is worth another try added to its message. */
export const retryableAgain = (err: GiteaError, why: string): GiteaError =>
  new GiteaError(`${err.message} (${why})`, { operation: err.operation, status: err.status, retryable: true, cause: err });

/** Retryable: 5xx, 429 (and 408). Every other 4xx is permanent. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** `Retry-After` is either delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // An HTTP-date names its weekday and month; anything else (`-5`, `2099`) is junk that Date.parse would
  // still read as a year, turning a bad header into hours of waiting.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

interface ErrorResponse {
  status: number;
  statusText?: string;
  headers: { get(name: string): string | null };
  /** gitea-js puts the parsed error body here. */
  error?: unknown;
}

function isErrorResponse(err: unknown): err is ErrorResponse {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as ErrorResponse).status === 'number' &&
    typeof (err as ErrorResponse).headers?.get === 'function'
  );
}

/** Gitea's APIError body is `{ message, url }`; the message may be empty. */
function giteaMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    const message = (body as { message: string }).message.trim();
    return message || undefined;
  }
  return undefined;
}

/**
 * Turns whatever a gitea-js call threw into a GiteaError: gitea-js throws the Response (with the parsed body
 * in `.error`) for non-2xx answers; fetch throws a TimeoutError/AbortError or a TypeError for network failures.
 */
export function toGiteaError(err: unknown, operation: string, timeoutMs: number): GiteaError {
  if (err instanceof GiteaError) return err;
  if (isErrorResponse(err)) {
    const status = err.status;
    const detail = excerpt(giteaMessage(err.error) ?? (err.statusText || 'no message'), 500);
    return new GiteaError(`Gitea ${operation} failed with HTTP ${status}: ${detail}`, {
      operation,
      status,
      retryable: isRetryableStatus(status),
      retryAfterSeconds: parseRetryAfter(err.headers.get('retry-after')),
    });
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new GiteaError(`Gitea ${operation} timed out after ${timeoutMs} ms`, { operation, retryable: true, cause: err });
  }
  // undici: `TypeError: fetch failed` with the socket error as `cause`.
  if (err instanceof TypeError && (e?.message === 'fetch failed' || e?.cause !== undefined)) {
    const reason = e?.cause?.code ?? e?.cause?.message ?? e?.message;
    return new GiteaError(`Gitea ${operation} failed: network error (${reason})`, { operation, retryable: true, cause: err });
  }
  const text = excerpt(err instanceof Error ? err.message : String(err), 500);
  return new GiteaError(`Gitea ${operation} failed: ${text}`, { operation, retryable: false, cause: err });
}
