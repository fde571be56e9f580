/**
 * The body of an RFC 8058 one-click POST: `List-Unsubscribe=One-Click`, sent by mailbox providers as
 * application/x-www-form-urlencoded or multipart/form-data. Multipart is parsed by busboy (the
 * parser multer is built on) with tight limits: a few small fields, no files.
 */
import busboy from 'busboy';
import express, { type RequestHandler } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';

const MAX_BYTES = 8 * 1024;
const urlencoded = express.urlencoded({ limit: MAX_BYTES, extended: false, parameterLimit: 10 });

function multipart(): RequestHandler {
  return (req, _res, next) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fields: 10, fieldNameSize: 100, fieldSize: 1024, files: 0, parts: 10 } });
    } catch {
      return next(new BadRequestError('Malformed multipart body.', undefined, 'bad_body'));
    }
    const fields: Record<string, string> = Object.create(null);
    let failed = false;
    let bytes = 0;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      next(err);
    };
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (_name, stream) => {
      stream.resume();
      fail(new BadRequestError('Files are not accepted here.', undefined, 'bad_body'));
    });
    bb.on('error', () => fail(new BadRequestError('Malformed multipart body.', undefined, 'bad_body')));
    bb.on('close', () => {
      if (failed) return;
      req.body = fields;
      next();
    });
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BYTES) fail(new PayloadTooLargeError('The request body is too large.'));
    });
    req.pipe(bb);
  };
}

/** Parses either encoding into req.body; anything else is a 415. */
export const oneClickBody: RequestHandler = (req, res, next) => {
  if (req.is('application/x-www-form-urlencoded')) return urlencoded(req, res, next);
  if (req.is('multipart/form-data')) return multipart()(req, res, next);
  next(new UnsupportedMediaTypeError('Content-Type must be application/x-www-form-urlencoded or multipart/form-data.'));
};

/** True when the parsed body is exactly what RFC 8058 §3.1 says a one-click POST carries. */
export function isOneClick(body: unknown): boolean {
  return !!body && typeof body === 'object' && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}
