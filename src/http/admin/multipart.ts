/**
 * multipart/form-data for the console's two upload forms (issue import, subscriber CSV import):
 * text fields plus at most one file, read into memory under a hard size limit. Busboy parses; this
 * only collects, so the CSRF field can be checked before anything is acted upon.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors';

export interface Multipart {
  fields: Record<string, string>;
  file: { name: string; text: string } | undefined;
}

export function readMultipart(req: Request, maxFileBytes: number): Promise<Multipart> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(new UnsupportedMediaTypeError('Content-Type must be multipart/form-data.'));
  }
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: maxFileBytes, fileSize: maxFileBytes, parts: 25 } });
    } catch {
      reject(new BadRequestError('The form could not be read.', undefined, 'bad_body'));
      return;
    }
    const fields: Record<string, string> = {};
    let file: Multipart['file'];
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(new PayloadTooLargeError(`The file is larger than ${Math.round(maxFileBytes / 1024)} KB.`)));
      stream.on('end', () => {
        // An empty file input still sends a part with no name and no bytes.
        if (info.filename && name === 'file') file = { name: info.filename, text: Buffer.concat(chunks).toString('utf8') };
      });
    });
    bb.on('error', () => fail(new BadRequestError('The form could not be read.', undefined, 'bad_body')));
    bb.on('close', () => {
      if (!failed) resolve({ fields, file });
    });
    req.pipe(bb);
  });
}
