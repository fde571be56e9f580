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
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { ConsoleSessions } from '../editors/sessions';
import { NotFoundError, UnauthorizedError } from '../errors';
import { readCookie, requireSession, type SessionCookie } from './admin/session';
import { html } from './html';
import { page, scrollRegion } from './layout';

interface Row {
  id: number;
  received_at: Date;
  envelope_from: string;
  envelope_to: string[];
  subject: string | null;
  size_bytes: number;
  raw?: Buffer;
}

function parseId(v: string): number {
  if (!/^\d{1,15}$/.test(v)) throw new NotFoundError('No such message.');
  return Number(v);
}

export interface MailboxDeps {
  pool: Pool;
  queries: Queries;
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
  const get = async (id: string): Promise<Row> => {
    const { rows } = await deps.pool.query<Row>(deps.queries.sql('mailbox-get'), [parseId(id)]);
    if (!rows[0]) throw new NotFoundError('No such message.');
    return rows[0];
  };

  r.get('/dev/mailbox.json', json, async (_req, res) => {
    const { rows } = await deps.pool.query<Row>(deps.queries.sql('mailbox-list'), [500]);
    res.json({ messages: rows });
  });

  r.get('/dev/mailbox', guarded, async (_req, res) => {
    const { rows } = await deps.pool.query<Row>(deps.queries.sql('mailbox-list'), [200]);
    const body = html`<h1>Local mailbox</h1>
<p class="muted">Every email Tidings sends lands here because <code>SMTP_URL</code> is not set. Set it to deliver real mail.</p>
${rows.length === 0 ? html`<p>No messages yet.</p>` : scrollRegion('Messages', html`<table>
<thead><tr><th>Received</th><th>To</th><th>Subject</th><th>Size</th></tr></thead>
<tbody>${rows.map(
      (m) => html`<tr><td>${m.received_at.toISOString().replace('T', ' ').slice(0, 19)}</td><td>${m.envelope_to.join(', ')}</td>
<td><a href="/dev/mailbox/${m.id}">${m.subject ?? '(no subject)'}</a></td><td>${Math.round(m.size_bytes / 1024)} KB</td></tr>`,
    )}</tbody></table>`)}`;
    res.type('html').send(page({ title: 'Local mailbox', body, wide: true }));
  });

  r.get('/dev/mailbox/:id', guarded, async (req, res) => {
    const m = await get(String(req.params.id));
    const parsed = await simpleParser(m.raw!);
    const headers = [...parsed.headerLines].map((h) => h.line).join('\n');
    const body = html`<p><a href="/dev/mailbox">← All messages</a></p>
<h1>${parsed.subject ?? '(no subject)'}</h1>
<p class="muted">To ${m.envelope_to.join(', ')} · from ${m.envelope_from} · ${Math.round(m.size_bytes / 1024)} KB · <a href="/dev/mailbox/${m.id}/raw">raw source</a></p>
${parsed.html ? html`<h2>HTML part</h2><iframe class="preview" title="HTML part" sandbox src="/dev/mailbox/${m.id}/html"></iframe>` : ''}
<h2>Plain-text part</h2><pre>${parsed.text ?? ''}</pre>
<h2>Headers</h2><pre>${headers}</pre>`;
    res.type('html').send(page({ title: parsed.subject ?? 'Message', body, wide: true }));
  });

  r.get('/dev/mailbox/:id/html', guarded, async (req, res) => {
    const m = await get(String(req.params.id));
    const parsed = await simpleParser(m.raw!);
    // The email's own markup, served under a CSP sandbox: even if it held script, none would run.
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'");
    res.type('html').send(typeof parsed.html === 'string' ? parsed.html : '');
  });

  r.get('/dev/mailbox/:id/raw', guarded, async (req, res) => {
    const m = await get(String(req.params.id));
    res.type('text/plain; charset=utf-8').send(m.raw!);
  });
  return r;
}
