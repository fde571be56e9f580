/**
 * /dev/mailbox: the built-in local mailbox (only mounted when SMTP_URL is unset). Lists what the
 * service "sent" and shows each message as a reader's client would: the HTML part inside a sandboxed
 * iframe (no script, no same-origin), the plain-text part, and the raw source with every header.
 *
 * Every confirmation and unsubscribe link the service sends is readable here, so in production
 * (LOCAL_MAILBOX=on with NODE_ENV=production) each page needs a console session: otherwise a
 * stranger could confirm anyone's subscription and read every reader's tokens. In development it
 * stays open, the zero-setup default.
 */
import { Router, type RequestHandler } from 'express';
import { simpleParser } from 'mailparser';
import type { ConsoleSessions } from '../editors/sessions';
import { UnauthorizedError } from '../errors';
import type { MailboxMessages } from '../mail/mailbox-messages';
import { readCookie, requireSession, type SessionCookie } from './admin/session';
import { pathId } from './api-route';
import { mailboxListPage, mailboxMessagePage } from './reader-views/mailbox';

export interface MailboxDeps {
  messages: MailboxMessages;
  /** Present in production: every page needs a console session. */
  guard?: { sessions: ConsoleSessions; cookie: SessionCookie };
}

const open: RequestHandler = (_req, _res, next) => next();

export function mailboxRouter(deps: MailboxDeps): Router {
  const r = Router();
  const g = deps.guard;
  // Pages send the browser to sign-in and back; the JSON list answers 401.
  const guarded = g ? requireSession(g.sessions, g.cookie) : open;
  const json: RequestHandler = g
    ? async (req, res, next) => {
        if (await g.sessions.resolve(readCookie(req))) {
          res.setHeader('Cache-Control', 'no-store');
          return next();
        }
        next(new UnauthorizedError('Sign in to the console (/admin) to read the local mailbox.'));
      }
    : open;
  const get = (id: unknown) => deps.messages.get(pathId(id));

  r.get('/dev/mailbox.json', json, async (_req, res) => {
    res.json({ messages: await deps.messages.list(500) });
  });

  r.get('/dev/mailbox', guarded, async (_req, res) => {
    res.type('html').send(mailboxListPage(await deps.messages.list(200)));
  });

  r.get('/dev/mailbox/:id', guarded, async (req, res) => {
    const m = await get(req.params.id);
    const parsed = await simpleParser(m.raw);
    res.type('html').send(mailboxMessagePage(m, parsed));
  });

  r.get('/dev/mailbox/:id/html', guarded, async (req, res) => {
    const m = await get(req.params.id);
    const parsed = await simpleParser(m.raw);
    // The email's own markup, served under a CSP sandbox: even if it held script, none would run.
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'");
    res.type('html').send(typeof parsed.html === 'string' ? parsed.html : '');
  });

  r.get('/dev/mailbox/:id/raw', guarded, async (req, res) => {
    const m = await get(req.params.id);
    res.type('text/plain; charset=utf-8').send(m.raw);
  });
  return r;
}
