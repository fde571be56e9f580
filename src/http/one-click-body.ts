/**
 * The body of an RFC 8058 one-click POST: `List-Unsubscribe=One-Click`, sent by mailbox providers as
 * application/x-www-form-urlencoded or multipart/form-data. Multipart goes through the shared reader
 * (src/http/multipart.ts) with tight limits: a few small fields, no files.
 */
import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors';
import { readMultipart } from './multipart';

const MAX_BYTES = 8 * 1024;
const urlencoded = express.urlencoded({ limit: MAX_BYTES, extended: false, parameterLimit: 10 });

const multipart: RequestHandler = (req, _res, next) => {
  readMultipart(req, {
    fields: 10,
    fieldNameSize: 100,
    fieldSize: 1024,
    parts: 10,
    maxFileBytes: 0,
    maxBodyBytes: MAX_BYTES,
    unreadable: 'Malformed multipart body.',
  }).then((form) => {
    req.body = form.fields;
    next();
  }, next);
};

/** Parses either encoding into req.body; anything else is a 415. */
export const oneClickBody: RequestHandler = (req, res, next) => {
  if (req.is('application/x-www-form-urlencoded')) return urlencoded(req, res, next);
  if (req.is('multipart/form-data')) return multipart(req, res, next);
  next(new UnsupportedMediaTypeError('Content-Type must be application/x-www-form-urlencoded or multipart/form-data.'));
};

/** True when the parsed body is exactly what RFC 8058 §3.1 says a one-click POST carries. */
export function isOneClick(body: unknown): boolean {
  return !!body && typeof body === 'object' && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}
