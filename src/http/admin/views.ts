/** The console's page shell (navigation, sign-out) and small view helpers shared by its pages. */
import type { Response } from 'express';
import { html, type SafeHtml } from '../html';
import { page } from '../layout';
import { consoleLocals, CSRF_FIELD } from './session';

export interface ShellOptions {
  title: string;
  body: SafeHtml;
  /** Whether the built-in local mailbox is in use (a link to it in the navigation). */
  mailbox: boolean;
  wide?: boolean;
}

export const csrfInput = (token: string): SafeHtml => html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;

/** A page for a signed-in editor: navigation, who is signed in, a sign-out button. */
export function consolePage(res: Response, o: ShellOptions): string {
  const { editor, session } = consoleLocals(res);
  const nav = html`<nav class="console" aria-label="Console">
<a href="/admin/issues">Issues</a>
<a href="/admin/issues/new">New issue</a>
<a href="/admin/issues/import">Import</a>
<a href="/admin/schedule">Scheduled</a>
<a href="/admin/subscribers">Subscribers</a>
<a href="/admin/settings">Settings</a>
<a href="/admin/suppressions">Suppressions</a>
<a href="/admin/clicks">Clicks</a>
${o.mailbox ? html`<a href="/dev/mailbox">Mailbox</a>` : ''}
</nav>
<form method="post" action="/admin/sign-out" class="signout">${csrfInput(session.csrfToken)}
<span class="muted">${editor.name}</span> <button type="submit" class="secondary small">Sign out</button></form>`;
  return page({
    title: o.title,
    body: o.body,
    wide: o.wide ?? true,
    nav,
    home: '/admin',
    styles: ['/assets/admin.css'],
    scripts: ['/assets/admin.js', '/assets/timezone.js'],
  });
}

/** A page without the signed-in shell (sign-in, errors before a session exists). */
export function barePage(title: string, body: SafeHtml): string {
  return page({ title, body, home: '/admin', styles: ['/assets/admin.css'] });
}

export function when(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function bytes(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

/** A status word as a small coloured badge. */
export const badge = (status: string): SafeHtml => html`<span class="badge badge-${status}">${status}</span>`;

export function notice(text: string | undefined): SafeHtml | string {
  return text ? html`<div class="notice" role="status"><p>${text}</p></div>` : '';
}

const ERROR_TITLES: Record<number, string> = {
  400: 'Bad request', 401: 'Not signed in', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict',
  413: 'Too large', 415: 'Unsupported', 422: 'Invalid', 429: 'Too many attempts',
};

/** An error inside /admin, as a console page (a 403 for a bad CSRF token, a 404 for a missing issue). */
export function errorPage(status: number, message: string): string {
  const title = ERROR_TITLES[status] ?? 'Error';
  return barePage(title, html`<h1>${title}</h1><div class="errors" role="alert"><p>${message}</p></div>
<p><a href="/admin">Back to the console</a></p>`);
}
