/**
 * /admin: the editor console. Plain server-rendered pages over the same services the JSON API uses;
 * every page needs a session, every form post a CSRF token. Errors inside /admin render as console
 * pages (a 403 for a bad CSRF token, a 404 for a missing issue) instead of JSON.
 *
 * A new console page: a router file here (parse → service → view), its markup in a view module
 * (`*-views.ts`, functions of plain data returning SafeHtml), and its services added to ConsoleDeps.
 */
import { Router, type ErrorRequestHandler } from 'express';
import type { ConsoleDeps } from './deps';
import { RateLimitedError } from '../../errors';
import { toAppError } from '../error-handler';
import { clicksRouter } from './clicks';
import { issuesRouter } from './issues';
import { requireSession, sessionCookie } from './session';
import { scheduleRouter } from './schedule';
import { settingsRouter } from './settings';
import { signInRouter } from './sign-in';
import { subscribersRouter } from './subscribers';
import { suppressionsRouter } from './suppressions';
import { errorPage } from './views';

const consoleErrors: ErrorRequestHandler = (err, _req, res, next) => {
  const e = toAppError(err);
  if (!e || res.headersSent) return next(err);
  if (e instanceof RateLimitedError) res.setHeader('Retry-After', String(e.retryAfterSeconds));
  res.status(e.status).type('html').send(errorPage(e.status, e.message));
};

export function adminRouter(c: ConsoleDeps): Router {
  const sessions = c.consoleSessions;
  const admin = Router();
  admin.use(signInRouter(c, sessions));
  admin.use(requireSession(sessions, sessionCookie(c)));
  admin.get('/', (_req, res) => res.redirect(303, '/admin/issues'));
  admin.use(issuesRouter(c));
  admin.use(subscribersRouter(c));
  admin.use(scheduleRouter(c));
  admin.use(settingsRouter(c));
  admin.use(suppressionsRouter(c));
  admin.use(clicksRouter(c));
  admin.use(consoleErrors);

  const outer = Router();
  outer.use('/admin', admin);
  return outer;
}
