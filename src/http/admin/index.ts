/**
 * /admin: the editor console. Plain server-rendered pages over the same services the JSON API uses;
 * every page needs a session, every form post a CSRF token. Errors inside /admin render as console
 * pages (a 403 for a bad CSRF token, a 404 for a missing issue) instead of JSON.
 */
import { Router, type ErrorRequestHandler } from 'express';
import type { Container } from '../../app';
import type { ConsoleSessions } from '../../editors/sessions';
import type { EditorAudit } from '../../editors/audit';
import { RateLimitedError } from '../../errors';
import { toAppError } from '../error-handler';
import { html } from '../html';
import { requireSession, sessionCookie } from './session';
import { signInRouter } from './sign-in';
import { barePage } from './views';
import { issuesRouter } from './issues';
import { subscribersRouter } from './subscribers';

export interface ConsoleDeps {
  c: Container;
  sessions: ConsoleSessions;
  audit: EditorAudit;
}

const TITLES: Record<number, string> = {
  400: 'Bad request', 401: 'Not signed in', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict',
  413: 'Too large', 415: 'Unsupported', 422: 'Invalid', 429: 'Too many attempts',
};

const consoleErrors: ErrorRequestHandler = (err, _req, res, next) => {
  const e = toAppError(err);
  if (!e || res.headersSent) return next(err);
  if (e instanceof RateLimitedError) res.setHeader('Retry-After', String(e.retryAfterSeconds));
  const title = TITLES[e.status] ?? 'Error';
  res.status(e.status).type('html').send(
    barePage(title, html`<h1>${title}</h1><div class="errors" role="alert"><p>${e.message}</p></div>
<p><a href="/admin">Back to the console</a></p>`),
  );
};

export function adminRouter(c: Container): Router {
  const sessions = c.consoleSessions;
  const deps: ConsoleDeps = { c, sessions, audit: c.audit };

  const admin = Router();
  admin.use(signInRouter(c, sessions));
  admin.use(requireSession(sessions, sessionCookie(c)));
  admin.get('/', (_req, res) => res.redirect(303, '/admin/issues'));
  admin.use(issuesRouter(deps));
  admin.use(subscribersRouter(deps));
  admin.use(consoleErrors);

  const outer = Router();
  outer.use('/admin', admin);
  return outer;
}
