/**
 * One error hierarchy for the whole service. Services throw these; the HTTP layer has exactly one
 * translator (src/http/error-handler.ts) and workers decide retry/no-retry from `retryable`.
 * Services never know about HTTP: `status` is a hint the translator uses, nothing more.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.field = field;
  }

  toJSON(): { error: { code: string; message: string; field?: string } } {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

/** Malformed request: wrong type, broken JSON, missing parts. */
export class BadRequestError extends AppError {
  readonly status = 400;
  constructor(message: string, field?: string, readonly code: string = 'bad_request') {
    super(message, field);
  }
}

/** Well-formed but semantically invalid input (unknown topic, bad address). */
export class ValidationError extends AppError {
  readonly status = 422;
  constructor(message: string, field?: string, readonly code: string = 'invalid') {
    super(message, field);
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  constructor(message: string, readonly code: string = 'forbidden') {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

/** No route answers this path. Long segments (tokens) are elided: the answer never echoes one. */
export function noRouteError(method: string | undefined, path: string): NotFoundError {
  return new NotFoundError(`No route for ${method} ${path.replace(/\/[^/]{40,}/g, '/…')}`);
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
}

export class ConflictError extends AppError {
  readonly status = 409;
  constructor(message: string, readonly code: string = 'conflict') {
    super(message);
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

/** The body is deliberately generic: a limit must not reveal which address or key tripped it. */
export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests. Please try again later.');
  }
}

/** A dependency (Postgres, Redis, SMTP) is down; callers may retry. */
export class UnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'unavailable';
}

/** What a 5xx (a bug) answers: nothing about its cause. */
export const INTERNAL_ERROR_BODY = Object.freeze({ error: Object.freeze({ code: 'internal', message: 'Internal server error.' }) });

/**
 * A start that cannot work as configured: no database at that address, a refused password, a port
 * in use. Not an AppError (it never reaches HTTP): the message is the one line `npm start` and the
 * CLI print before exiting, and it says what to change. The cause is kept for debugging only.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
