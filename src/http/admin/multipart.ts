/**
 * The console's two upload forms (issue import, subscriber CSV import): text fields plus at most
 * one file, read with the shared multipart reader under the form's size limit. The whole body is
 * capped too — the file's limit plus room for the small fields — because per-part limits alone
 * would let 20 fields of file size each through (20 × 20 MB held in memory for the CSV form).
 */
import type { Request } from 'express';
import { readMultipart, type Multipart } from '../multipart';

export type { Multipart };

/** Room for the form's text fields (CSRF token, options) and the multipart framing. */
export const UPLOAD_FIELDS_ALLOWANCE = 64 * 1024;

export function readUploadForm(req: Request, maxFileBytes: number): Promise<Multipart> {
  return readMultipart(req, {
    fields: 20,
    fieldSize: maxFileBytes,
    parts: 25,
    maxFileBytes,
    maxBodyBytes: maxFileBytes + UPLOAD_FIELDS_ALLOWANCE,
    unreadable: 'The form could not be read.',
  });
}
