/**
 * Typed domain errors. Core throws these with a code that says what went wrong; each transport (HTTP, MCP)
 * maps the code to its own answer in one place (the HTTP status lives in `functions/lib/errors.ts`). What
 * only a transport can get wrong — a body too large, not JSON, of another media type, a method a path does
 * not take — is the transport's own error (`TransportError` in `functions/lib/errors.ts`), not a domain code.
 */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VERSION_CONFLICT'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'INVALID_CURSOR'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'BAD_GATEWAY'
  | 'INTERNAL_ERROR';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION_ERROR', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(kind: string, id: string) {
    super('NOT_FOUND', `${kind} '${id}' was not found`, { kind, id });
  }
}

export class VersionConflictError extends DomainError {
  constructor(kind: string, id: string, expected: number | undefined, actual?: number) {
    const detail = actual === undefined ? '' : ` (you sent version ${expected}, current is ${actual})`;
    super('VERSION_CONFLICT', `${kind} '${id}' was changed by someone else${detail}; reload it and try again`, {
      kind,
      id,
      expectedVersion: expected,
      currentVersion: actual,
    });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('CONFLICT', message, details);
  }
}

export class InvalidTransitionError extends DomainError {
  constructor(from: string, to: string, allowed: readonly string[]) {
    super(
      'INVALID_TRANSITION',
      `A task in '${from}' cannot move to '${to}'; allowed next states: ${allowed.length ? allowed.join(', ') : 'none'}`,
      { from, to, allowed },
    );
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Missing or invalid bearer token: send Authorization: Bearer <token>') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class InvalidCursorError extends DomainError {
  constructor() {
    super('INVALID_CURSOR', "The 'cursor' query parameter is not a cursor returned by this list");
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

/** Too many attempts from one client address in a window: try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    what: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', `Too many ${what} from your address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
