/** Body parsers with explicit limits and content types; anything else is a 415, never a guess. */
import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors';

export const JSON_LIMIT = '100kb';

/** JSON bodies only (application/json or +json), strict (objects/arrays at the top), ≤ 100 KB. */
export function jsonBody(limit = JSON_LIMIT): RequestHandler[] {
  return [
    requireContentType(['application/json', 'application/*+json']),
    express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] }),
  ];
}

/** JSON when there is a body; a request without one (Content-Length 0 or none) reads as `{}`. */
export function optionalJsonBody(limit = JSON_LIMIT): RequestHandler[] {
  const parse = jsonBody(limit);
  return parse.map((handler): RequestHandler => (req, res, next) => {
    const none = !req.headers['transfer-encoding'] && (req.headers['content-length'] === undefined || req.headers['content-length'] === '0');
    if (!none) return handler(req, res, next);
    req.body = {};
    next();
  });
}

/** HTML forms: urlencoded, flat (no nested objects from a[b]=c). */
export function formBody(limit = '20kb'): RequestHandler {
  return express.urlencoded({ limit, extended: false, parameterLimit: 100 });
}

export function requireContentType(types: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.is(types)) {
      return next(new UnsupportedMediaTypeError(`Content-Type must be ${types.join(' or ')}.`));
    }
    next();
  };
}
