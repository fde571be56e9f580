/**
 * Sign-in with an editor key, and sign-out. Before a session exists the sign-in form is protected by
 * a double-submit token: a random value in a SameSite=Strict cookie that the form must echo, so
 * another site cannot sign a browser into an attacker's account (login CSRF).
 */
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Container } from '../../container';
import type { ConsoleSessions } from '../../editors/sessions';
import { tokensMatch } from '../../editors/sessions';
import { ForbiddenError, UnauthorizedError } from '../../errors';
import { formBody } from '../body';
import { clientKey } from '../reader-context';
import { clearSessionCookie, COOKIE, CSRF_FIELD, isSessionPath, readCookie, sessionCookie, setSessionCookie, signInUrl, verifyCsrf, requireSession } from './session';
import { signInPage } from './sign-in-view';

const PRE_COOKIE = 'tidings_console_pre';

function safeNext(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return isSessionPath(s) ? s : '/admin/issues';
}

export function signInRouter(c: Pick<Container, 'config' | 'mailbox'>, sessions: ConsoleSessions): Router {
  const r = Router();
  const sessionCookies = sessionCookie(c);
  const secure = sessionCookies.secure;

  const preToken = (req: Parameters<typeof readCookie>[0], res: import('express').Response): string => {
    const existing = readCookie(req, PRE_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{22}$/.test(existing)) return existing;
    const token = randomBytes(16).toString('base64url');
    res.append('Set-Cookie', `${PRE_COOKIE}=${token}; Path=/admin; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
    return token;
  };

  r.get('/sign-in', async (req, res) => {
    if (await sessions.resolve(readCookie(req, COOKIE))) return res.redirect(303, safeNext(req.query.next));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(
      signInPage({ token: preToken(req, res), next: safeNext(req.query.next), expired: req.query.expired === '1', signedOut: req.query.out === '1' }),
    );
  });

  r.post('/sign-in', formBody('4kb'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const cookie = readCookie(req, PRE_COOKIE);
    if (!cookie || !tokensMatch(cookie, body[CSRF_FIELD])) {
      throw new ForbiddenError('The sign-in form has expired. Reload the page and try again.', 'csrf');
    }
    res.setHeader('Cache-Control', 'no-store');
    try {
      const { sessionId } = await sessions.signIn(body.key, clientKey(req));
      setSessionCookie(res, sessionId, sessionCookies);
      res.redirect(303, safeNext(body.next));
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      res.status(401).type('html').send(signInPage({ token: cookie, next: safeNext(body.next), error: err.message }));
    }
  });

  r.post('/sign-out', requireSession(sessions, sessionCookies), formBody('4kb'), verifyCsrf, async (req, res) => {
    await sessions.signOut(readCookie(req, COOKIE));
    clearSessionCookie(res, sessionCookies);
    res.redirect(303, signInUrl(undefined) + '?out=1');
  });
  return r;
}
