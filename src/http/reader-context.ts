/** Request → plain data for the readers services (they never see Express objects). */
import type { Request, RequestHandler } from 'express';
import { isIP } from 'node:net';
import type { ConsentContext } from '../subscribers/types';

export function consentContext(req: Request, source: ConsentContext['source']): ConsentContext {
  const ip = req.ip && isIP(req.ip) ? req.ip : null;
  // eslint-disable-next-line no-control-regex
  const ua = (req.get('user-agent') ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 512);
  return { source, ip, userAgent: ua || null };
}

/** The client key for per-IP rate limits. */
export const clientKey = (req: Request): string => (req.ip && isIP(req.ip) ? req.ip : 'unknown');

/** Reader pages render their errors as HTML pages (the error handler honours this flag). */
export const htmlErrors: RequestHandler = (_req, res, next) => {
  res.locals.htmlErrors = true;
  next();
};
