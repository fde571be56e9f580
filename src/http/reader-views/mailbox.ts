/** Markup of the local mailbox (/dev/mailbox): the list, and one message as a reader's client shows it. */
import type { ParsedMail } from 'mailparser';
import type { MailboxMessage } from '../../mail/mailbox-messages';
import { html } from '../html';
import { page, scrollRegion } from '../layout';

export function mailboxListPage(messages: MailboxMessage[]): string {
  const body = html`<h1>Local mailbox</h1>
<p class="muted">Every email Tidings sends lands here because <code>SMTP_URL</code> is not set. Set it to deliver real mail.</p>
${messages.length === 0 ? html`<p>No messages yet.</p>` : scrollRegion('Messages', html`<table>
<thead><tr><th>Received</th><th>To</th><th>Subject</th><th>Size</th></tr></thead>
<tbody>${messages.map(
    (m) => html`<tr><td>${m.received_at.toISOString().replace('T', ' ').slice(0, 19)}</td><td>${m.envelope_to.join(', ')}</td>
<td><a href="/dev/mailbox/${m.id}">${m.subject ?? '(no subject)'}</a></td><td>${Math.round(m.size_bytes / 1024)} KB</td></tr>`,
  )}</tbody></table>`)}`;
  return page({ title: 'Local mailbox', body, wide: true });
}

export function mailboxMessagePage(m: MailboxMessage, parsed: ParsedMail): string {
  const headers = [...parsed.headerLines].map((h) => h.line).join('\n');
  const body = html`<p><a href="/dev/mailbox">← All messages</a></p>
<h1>${parsed.subject ?? '(no subject)'}</h1>
<p class="muted">To ${m.envelope_to.join(', ')} · from ${m.envelope_from} · ${Math.round(m.size_bytes / 1024)} KB · <a href="/dev/mailbox/${m.id}/raw">raw source</a></p>
${parsed.html ? html`<h2>HTML part</h2><iframe class="preview" title="HTML part" sandbox src="/dev/mailbox/${m.id}/html"></iframe>` : ''}
<h2>Plain-text part</h2><pre>${parsed.text ?? ''}</pre>
<h2>Headers</h2><pre>${headers}</pre>`;
  return page({ title: parsed.subject ?? 'Message', body, wide: true });
}
