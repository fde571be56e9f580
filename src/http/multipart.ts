/**
 * multipart/form-data, read by busboy (the parser multer is built on) under hard limits: text fields
 * plus, where a form allows it, one file read into memory. Used by the console's upload forms and by
 * the RFC 8058 one-click body, which accepts no file at all. Only collects: callers check CSRF
 * fields and meaning before acting on anything.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';

export interface Multipart {
  /** Null-prototype: a field named __proto__ is just a field. */
  fields: Record<string, string>;
  /** The part named `file`, when one with a file name was sent. */
  file: { name: string; text: string } | undefined;
}

export interface MultipartLimits {
  fields: number;
  fieldSize: number;
  parts: number;
  fieldNameSize?: number;
  /** Largest accepted file; 0 refuses any file part with a 400. */
  maxFileBytes: number;
  /**
   * Largest whole body: a declared Content-Length over it is refused before a byte is parsed, and
   * a body without one is counted as it arrives. Unset leaves it to the per-part limits.
   */
  maxBodyBytes?: number;
  /** The 400 message for a body busboy cannot read. */
  unreadable: string;
}

export function readMultipart(req: Request, limits: MultipartLimits): Promise<Multipart> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(new UnsupportedMediaTypeError('Content-Type must be multipart/form-data.'));
  }
  const unreadable = () => new BadRequestError(limits.unreadable, undefined, 'bad_body');
  const tooLarge = () => new PayloadTooLargeError(`The request body is larger than ${Math.round((limits.maxBodyBytes ?? 0) / 1024)} KB.`);
  const declared = Number(req.get('content-length') ?? NaN);
  if (limits.maxBodyBytes !== undefined && declared > limits.maxBodyBytes) {
    // Drained, never parsed: the answer is ready before the upload has finished arriving.
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: {
          fields: limits.fields,
          fieldSize: limits.fieldSize,
          fieldNameSize: limits.fieldNameSize,
          parts: limits.parts,
          files: limits.maxFileBytes > 0 ? 1 : 0,
          fileSize: limits.maxFileBytes,
        },
      });
    } catch {
      reject(unreadable());
      return;
    }
    const fields: Record<string, string> = Object.create(null);
    let file: Multipart['file'];
    let failed = false;
    let bytes = 0;
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
      if (limits.maxFileBytes <= 0) {
        stream.resume();
        fail(new BadRequestError('Files are not accepted here.', undefined, 'bad_body'));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(new PayloadTooLargeError(`The file is larger than ${Math.round(limits.maxFileBytes / 1024)} KB.`)));
      stream.on('end', () => {
        // An empty file input still sends a part with no name and no bytes.
        if (info.filename && name === 'file') file = { name: info.filename, text: Buffer.concat(chunks).toString('utf8') };
      });
    });
    bb.on('error', () => fail(unreadable()));
    bb.on('close', () => {
      if (!failed) resolve({ fields, file });
    });
    if (limits.maxBodyBytes !== undefined) {
      const max = limits.maxBodyBytes;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > max) fail(tooLarge());
      });
    }
    req.pipe(bb);
  });
}
