/**
 * The console's two upload forms (issue import, subscriber CSV import): text fields plus at most
 * one file, read with the shared multipart reader under the form's size limit.
 */
import type { Request } from 'express';
import { readMultipart, type Multipart } from '../multipart';

export type { Multipart };

export function readUploadForm(req: Request, maxFileBytes: number): Promise<Multipart> {
  return readMultipart(req, { fields: 20, fieldSize: maxFileBytes, parts: 25, maxFileBytes, unreadable: 'The form could not be read.' });
}
