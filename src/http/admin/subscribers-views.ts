/** Markup of the console's reader pages: the filtered list, the CSV import with its report, one reader. */
import type { SubscriberDelivery, SubscriberRollup } from '../../editors/overview';
import type { SubscriberAdmin } from '../../subscribers/admin';
import { STATUSES } from '../../subscribers/admin';
import type { ImportReport } from '../../subscribers/csv-import';
import type { Topic } from '../../topics';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { badge, csrfInput, notice, when } from './views';

export const qs = (q: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1])).toString();

export interface ListViewData {
  raw: { q: string; status: string; topic: string };
  topics: Topic[];
  result: Awaited<ReturnType<SubscriberAdmin['list']>>;
  error: string | undefined;
}

export function subscriberListView(o: ListViewData): SafeHtml {
return html`<div class="row spread"><h1>Subscribers</h1>
<p class="row"><a class="button secondary" href="/admin/subscribers/import">Import CSV</a>
<a class="button secondary" href="/admin/subscribers/export?${qs(o.raw)}" download>Export CSV</a></p></div>
<form method="get" action="/admin/subscribers" class="filters row" role="search">
<div><label for="q">Search</label><input type="search" id="q" name="q" value="${o.raw.q}" placeholder="address or name"></div>
<div><label for="status">Status</label><select id="status" name="status"><option value="">any</option>
${STATUSES.map((s) => html`<option value="${s}"${o.raw.status === s ? html` selected` : ''}>${s}</option>`)}</select></div>
<div><label for="topic">Topic</label><select id="topic" name="topic"><option value="">any</option>
${o.topics.map((t) => html`<option value="${t.slug}"${o.raw.topic === t.slug ? html` selected` : ''}>${t.name}</option>`)}</select></div>
<div><button type="submit">Filter</button></div>
</form>
${o.error ? html`<div class="errors" role="alert"><p>${o.error}</p></div>` : ''}
${o.result.subscribers.length === 0 ? html`<p>No subscriber matches.</p>` : scrollRegion('Subscribers', html`<table class="subscribers">
<thead><tr><th>Address</th><th>Name</th><th>Status</th><th>Topics</th><th>Since</th></tr></thead>
<tbody>${o.result.subscribers.map(
    (s) => html`<tr><td><a href="/admin/subscribers/${s.id}">${s.email ?? '(erased)'}</a></td><td>${s.name ?? ''}</td><td>${badge(s.status)}</td>
<td>${s.topics.join(', ')}</td><td>${when(s.createdAt)}</td></tr>`,
  )}</tbody></table>`)}
${o.result.nextBefore ? html`<p><a href="/admin/subscribers?${qs({ ...o.raw, before: String(o.result.nextBefore) })}">Older →</a></p>` : ''}`;
}

/** The opt-in to the welcome email for the readers an import adds (off by default), or why there is none. */
function welcomeBox(id: string, o: { welcome?: boolean; welcomeOn: boolean }): SafeHtml {
  if (!o.welcomeOn) return html`<p class="muted">The welcome email is off (<code>WELCOME_EMAIL=off</code>): imported readers get none.</p>`;
  return html`<label class="check" for="${id}"><input type="checkbox" id="${id}" name="welcome" value="1"${o.welcome ? html` checked` : ''}> Send the welcome email to the readers this import adds</label>`;
}

export function importView(csrf: string, o: { report?: ImportReport; error?: string; csv?: string; welcome?: boolean; welcomeOn: boolean }): SafeHtml {
  const rep = o.report;
  return html`<p><a href="/admin/subscribers">← Subscribers</a></p><h1>Import subscribers</h1>
<p>A CSV file with the header <code>email,name,topics</code>; topics separated by <code>;</code> or spaces. Imported readers are confirmed (consent source <em>import</em>) and get no welcome email unless the import asks for it (only the readers it adds, never existing ones); suppressed and unsubscribed addresses are never re-activated. Run a dry run first: it reports without writing.</p>
${o.error ? html`<div class="errors" role="alert"><p>${o.error}</p></div>` : ''}
${rep ? html`<section class="card import-report" id="import-report"><h2>${rep.dryRun ? 'Dry run: nothing was written' : 'Imported'}</h2>
<dl class="stats">
<div class="stat"><dt>${rep.dryRun ? 'Would import' : 'Imported'}</dt><dd data-k="imported">${rep.imported}</dd></div>
<div class="stat"><dt>${rep.dryRun ? 'Would update' : 'Updated'}</dt><dd data-k="updated">${rep.updated}</dd></div>
<div class="stat"><dt>Invalid</dt><dd data-k="invalid">${rep.invalidCount}</dd></div>
<div class="stat"><dt>Duplicates</dt><dd data-k="duplicates">${rep.duplicates}</dd></div>
<div class="stat"><dt>Suppressed</dt><dd data-k="suppressed">${rep.suppressed}</dd></div>
<div class="stat"><dt>Unsubscribed, left alone</dt><dd data-k="unsubscribed">${rep.unsubscribed}</dd></div>
<div class="stat"><dt>${rep.dryRun ? 'Would get the welcome email' : 'Welcome emails queued'}</dt><dd data-k="welcomed">${rep.welcomed}</dd></div></dl>
${rep.invalid.length ? html`<h3>Invalid lines</h3>${scrollRegion('Invalid lines', html`<table><thead><tr><th>Line</th><th>Reason</th></tr></thead>
<tbody>${rep.invalid.slice(0, 200).map((i) => html`<tr><td>${i.line}</td><td>${i.error}</td></tr>`)}</tbody></table>`)}` : ''}
${rep.dryRun && o.csv !== undefined ? html`<form method="post" action="/admin/subscribers/import" enctype="multipart/form-data">${csrfInput(csrf)}
<input type="hidden" name="csv" value="${o.csv}"><input type="hidden" name="dryRun" value="0">
${welcomeBox('import-welcome-real', o)}
<p><button type="submit">Import for real</button></p></form>` : ''}
</section>` : ''}
<form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="card">${csrfInput(csrf)}
<label for="file">CSV file</label><input type="file" id="file" name="file" accept=".csv,text/csv">
<label class="check"><input type="checkbox" name="dryRun" value="1" checked> Dry run (report only)</label>
${welcomeBox('import-welcome', o)}
<p><button type="submit">Upload</button></p></form>`;
}

const BOUNCE_LABEL: Record<string, string> = { hard: 'Hard bounce', soft: 'Soft bounce', complaint: 'Spam complaint' };

export interface SubscriberViewData {
  id: number;
  data: Awaited<ReturnType<SubscriberAdmin['privacyExport']>>;
  deliveries: SubscriberDelivery[];
  /** Deliveries whose ledger was dropped past retention, as counts (migration 025). */
  rollup: SubscriberRollup | undefined;
  erased: boolean;
  csrf: string;
}

export function subscriberView(o: SubscriberViewData): SafeHtml {
  const s = o.data.subscriber;
return html`<p><a href="/admin/subscribers">← Subscribers</a></p>
<h1>${s.email ?? '(erased)'}</h1>
${notice(o.erased ? 'Personal data erased. The address is on the suppression list.' : undefined)}
<dl class="stats"><div class="stat"><dt>Status</dt><dd>${badge(s.status)}</dd></div>
<div class="stat"><dt>Name</dt><dd>${s.name ?? '—'}</dd></div><div class="stat"><dt>Topics</dt><dd>${s.topics.join(', ') || '—'}</dd></div>
<div class="stat"><dt>Suppressed</dt><dd>${s.suppressed ?? 'no'}</dd></div><div class="stat"><dt>Since</dt><dd>${when(s.createdAt)}</dd></div></dl>
<h2>Consent history</h2>
${scrollRegion('Consent history', html`<table class="consent"><thead><tr><th>When</th><th>Event</th><th>Source</th><th>Topics</th><th>IP</th></tr></thead>
<tbody>${o.data.consentEvents.map((e) => html`<tr><td>${when(e.at as Date)}</td><td>${String(e.kind)}</td><td>${String(e.source)}</td><td>${((e.topics as string[] | null) ?? []).join(', ')}</td><td>${(e.ip as string | null) ?? ''}</td></tr>`)}</tbody></table>`)}
<h2>Deliveries</h2>
${o.deliveries.length ? scrollRegion('Deliveries', html`<table class="deliveries"><thead><tr><th>Issue</th><th>Variant</th><th>Status</th><th>Sent</th><th>Error</th></tr></thead>
<tbody>${o.deliveries.map((d) => html`<tr><td><a href="/admin/issues/${d.issue_id}/send">${d.title}</a></td><td>${d.topics}</td><td>${badge(d.status)}</td><td>${when(d.sent_at)}</td><td class="muted">${d.error ?? ''}</td></tr>`)}</tbody></table>`) : o.rollup ? '' : html`<p class="muted">No newsletter delivered yet.</p>`}
${o.rollup ? html`<p class="rollup">Earlier, past the ledger's retention: ${o.rollup.deliveries} newsletters, ${o.rollup.sent} sent, the last ${when(o.rollup.last_sent_at)}.</p>` : ''}
<h2>Bounces and complaints</h2>
${o.data.bounces.length ? scrollRegion('Bounces and complaints', html`<table class="bounces"><thead><tr><th>When</th><th>Event</th><th>Send</th><th>Report</th></tr></thead>
<tbody>${o.data.bounces.map((b) => html`<tr><td>${when(b.at as Date)}</td><td>${BOUNCE_LABEL[b.type] ?? b.type}</td><td>${b.sendId ?? '—'}</td><td class="muted">${b.reason ?? ''}</td></tr>`)}</tbody></table>`) : html`<p class="muted">None reported.</p>`}
${s.status !== 'erased' ? html`<h2>Erase</h2>
<form method="post" action="/admin/subscribers/${o.id}/erase" class="card danger-zone">${csrfInput(o.csrf)}
<p>Removes the address, name, topics and IP addresses for good. The consent ledger keeps its events without who; the address is suppressed so no import can add it again.</p>
<label class="check"><input type="checkbox" name="confirm" value="yes" required> I understand this cannot be undone</label>
<p><button type="submit" class="danger">Erase this subscriber</button></p></form>` : ''}`;
}
