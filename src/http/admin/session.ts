/**
 * The console's session plumbing: the cookie, the middleware that turns it into an editor, and the
 * CSRF check every form post goes through.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Container } from '../../container';
import type { ConsoleSession, ConsoleSessions } from '../../editors/sessions';
import { tokensMatch } from '../../editors/sessions';
import type { Editor } from '../../editors/keys';
import { ForbiddenError } from '../../errors';

export const COOKIE = 'tidings_console';

/** Where the session cookie goes: Secure behind https, and on which paths. */
export interface SessionCookie {
  secure: boolean;
  paths: readonly string[];
}

/**
 * The cookie is scoped to /admin; in production the local mailbox (/dev/mailbox) needs a session
 * too, so it also gets the cookie there, and nowhere else.
 */
export function sessionCookie(c: Pick<Container, 'config' | 'mailbox'>): SessionCookie {
  return {
    secure: c.config.publicUrl.startsWith('https:'),
    paths: c.mailbox && c.config.production ? ['/admin', '/dev'] : ['/admin'],
  };
}

export function readCookie(req: Request, name = COOKIE): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it), Path=/admin. */
export function setSessionCookie(res: Response, sessionId: string, cookie: SessionCookie): void {
  for (const path of cookie.paths) {
    res.append('Set-Cookie', `${COOKIE}=${sessionId}; Path=${path}; HttpOnly; SameSite=Strict${cookie.secure ? '; Secure' : ''}`);
  }
}

export function clearSessionCookie(res: Response, cookie: SessionCookie): void {
  for (const path of cookie.paths) {
    res.append('Set-Cookie', `${COOKIE}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0${cookie.secure ? '; Secure' : ''}`);
  }
}

export interface ConsoleLocals {
  editor: Editor;
  session: ConsoleSession;
}

export function consoleLocals(res: Response): ConsoleLocals {
  const session = res.locals.session as ConsoleSession | undefined;
  if (!session) throw new Error('requireSession did not run');
  return { editor: session.editor, session };
}

/** Where sign-in may send the editor back to: console pages and the local mailbox, on this site. */
export function isSessionPath(v: string): boolean {
  return /^\/(?:admin|dev\/mailbox)(?:[/?]|$)/.test(v) && !v.startsWith('//') && !v.includes('\\');
}

/** The sign-in URL that brings the editor back to where they were (same-origin paths only). */
export function signInUrl(next: string | undefined): string {
  const safe = next && isSessionPath(next) ? next : undefined;
  return '/admin/sign-in' + (safe ? `?next=${encodeURIComponent(safe)}` : '');
}

/**
 * Loads the session or sends the browser to sign-in (303, so a POST becomes a GET). An expired
 * session lands on the sign-in page with a note; event streams and fetches get a plain 401.
 */
export function requireSession(sessions: ConsoleSessions, cookie: SessionCookie): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = readCookie(req);
    const session = await sessions.resolve(id);
    if (!session) {
      if (id) clearSessionCookie(res, cookie);
      if (req.get('accept')?.includes('text/event-stream')) {
        res.status(401).type('text/plain').send('signed out');
        return;
      }
      const target = signInUrl(req.method === 'GET' ? req.originalUrl : undefined);
      res.redirect(303, target + (id ? (target.includes('?') ? '&' : '?') + 'expired=1' : ''));
      return;
    }
    res.locals.session = session;
    res.locals.editor = session.editor;
    // Console pages hold subscriber data: never cache them anywhere.
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** Field name of the CSRF token in every console form. */
export const CSRF_FIELD = '_csrf';

/** Checks the posted CSRF token against the session's (after the body was parsed). */
export function checkCsrf(res: Response, posted: unknown): void {
  const { session } = consoleLocals(res);
  if (!tokensMatch(session.csrfToken, posted)) {
    throw new ForbiddenError('This form has expired or did not come from this console. Reload the page and try again.', 'csrf');
  }
}

/** Middleware form of checkCsrf for urlencoded forms. */
export const verifyCsrf: RequestHandler = (req, res, next) => {
  const body = req.body as Record<string, unknown> | undefined;
  checkCsrf(res, body?.[CSRF_FIELD]);
  next();
};
