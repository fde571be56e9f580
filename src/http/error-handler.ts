/**
 * The one translator from errors to HTTP. Every 4xx carries `{error: {code, message, field?}}`;
 * anything that is not an AppError (or a body-parser rejection) is a bug, logged and answered 500
 * without detail.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/pool';
import { AppError, BadRequestError, INTERNAL_ERROR_BODY, noRouteError, PayloadTooLargeError, RateLimitedError, UnavailableError, UnsupportedMediaTypeError } from '../errors';

/** body-parser / raw-body errors carry `type` and `status`. */
function fromBodyParser(err: { type?: string; status?: number; message?: string }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new BadRequestError('The request body is not valid JSON.', undefined, 'invalid_json');
    case 'entity.too.large':
      return new PayloadTooLargeError('The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('Unsupported content encoding or charset.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
    case 'parameters.too.many':
      return new BadRequestError('The request body could not be read.', undefined, 'bad_body');
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    return new BadRequestError('The request could not be read.', undefined, 'bad_request');
  }
  return undefined;
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err && typeof err === 'object') {
    // A malformed %-escape in the path makes Express throw URIError with status 400.
    if (err instanceof URIError) return new BadRequestError('Malformed URL.', undefined, 'bad_url');
    // Postgres restarting or unreachable is not a bug: the client may retry (GET /readyz says so).
    if (isDatabaseUnavailable(err)) return new UnavailableError('The database is unavailable; try again shortly.');
    return fromBodyParser(err as { type?: string; status?: number });
  }
  return undefined;
}

/** How a route wants errors shown: JSON (default) or an HTML page. */
export type HtmlErrorRenderer = (err: AppError) => string;

export function errorHandler(renderHtml?: HtmlErrorRenderer): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appErr = toAppError(err);
    if (!appErr) {
      req.log?.error({ err }, 'unhandled error');
      if (res.headersSent) return;
      res.status(500).json(INTERNAL_ERROR_BODY);
      return;
    }
    if (res.headersSent) return;
    if (appErr instanceof RateLimitedError) res.setHeader('Retry-After', String(appErr.retryAfterSeconds));
    if (appErr instanceof UnavailableError) {
      req.log?.warn({ err: (err as Error).message }, 'dependency unavailable');
      res.setHeader('Retry-After', '5');
    }
    const wantsHtml = renderHtml && res.locals.htmlErrors === true;
    if (wantsHtml) {
      res.status(appErr.status).type('html').send(renderHtml(appErr));
      return;
    }
    res.status(appErr.status).json(appErr.toJSON());
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(noRouteError(req.method, req.path));
};
