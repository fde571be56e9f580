/** Markup of the console's suppression page: counts by reason, the filtered list with a lift form per row, export and import. */
import type { SuppressionImportReport } from '../../subscribers/suppression-transfer';
import { SUPPRESSION_REASONS, type Suppression, type SuppressionReason } from '../../subscribers/suppressions';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { csrfInput, notice, when } from './views';
import { qs } from './subscribers-views';

export interface SuppressionsViewData {
  raw: { q: string; reason: string };
  counts: Record<SuppressionReason, number>;
  rows: Suppression[];
  nextBefore: number | null;
  csrf: string;
  lifted: boolean;
  error?: string | undefined;
  report?: SuppressionImportReport | undefined;
}

const label = (r: string) => r.replace(/_/g, ' ');

function liftForm(s: Suppression, csrf: string): SafeHtml {
  // Erasure is the reader's own decision: only their confirmed request brings the address back.
  if (s.reason === 'erased') return html`<span class="muted">only the reader, by subscribing again</span>`;
  return html`<form method="post" action="/admin/suppressions/${s.id}/lift" class="row">${csrfInput(csrf)}
<label for="note-${s.id}" class="visually-hidden">Why lift suppression ${s.id}</label>
<input type="text" id="note-${s.id}" name="note" required maxlength="500" placeholder="why (required)">
<button type="submit" class="secondary small">Lift</button></form>`;
}

function importReport(rep: SuppressionImportReport): SafeHtml {
  return html`<section class="card import-report" id="import-report"><h2>Imported</h2>
<dl class="stats"><div class="stat"><dt>Rows</dt><dd data-k="rows">${rep.rows}</dd></div>
<div class="stat"><dt>Added</dt><dd data-k="added">${rep.added}</dd></div>
<div class="stat"><dt>Already suppressed</dt><dd data-k="unchanged">${rep.unchanged}</dd></div>
<div class="stat"><dt>Invalid</dt><dd data-k="invalid">${rep.invalidCount}</dd></div></dl>
${rep.invalid.length ? scrollRegion('Invalid lines', html`<table><thead><tr><th>Line</th><th>Reason</th></tr></thead>
<tbody>${rep.invalid.slice(0, 200).map((i) => html`<tr><td>${i.line}</td><td>${i.error}</td></tr>`)}</tbody></table>`) : ''}</section>`;
}

export function suppressionsView(o: SuppressionsViewData): SafeHtml {
  return html`<div class="row spread"><h1>Suppressions</h1>
<p class="row"><a class="button secondary" href="/admin/suppressions/export" download>Export CSV</a></p></div>
${notice(o.lifted ? 'Suppression lifted. The address will be mailed again from the next send.' : undefined)}
${o.error ? html`<div class="errors" role="alert"><p>${o.error}</p></div>` : ''}
${o.report ? importReport(o.report) : ''}
<dl class="stats">${SUPPRESSION_REASONS.map((r) => html`<div class="stat"><dt>${label(r)}</dt><dd data-k="${r}">${o.counts[r]}</dd></div>`)}</dl>
<form method="get" action="/admin/suppressions" class="filters row" role="search">
<div><label for="q">Address or hash</label><input type="search" id="q" name="q" value="${o.raw.q}" placeholder="reader@example.org"></div>
<div><label for="reason">Reason</label><select id="reason" name="reason"><option value="">any</option>
${SUPPRESSION_REASONS.map((r) => html`<option value="${r}"${o.raw.reason === r ? html` selected` : ''}>${label(r)}</option>`)}</select></div>
<div><button type="submit">Filter</button></div>
</form>
${o.rows.length === 0 ? html`<p>No suppression matches.</p>` : scrollRegion('Suppressions', html`<table class="suppressions">
<thead><tr><th>Address hash</th><th>Reason</th><th>Source</th><th>Detail</th><th>Since</th><th>Lift</th></tr></thead>
<tbody>${o.rows.map((s) => html`<tr><td><code title="${s.emailHash}">${s.emailHash.slice(0, 16)}…</code></td><td>${label(s.reason)}</td>
<td>${label(s.source)}</td><td class="muted">${s.detail ?? ''}</td><td>${when(s.createdAt)}</td><td>${liftForm(s, o.csrf)}</td></tr>`)}</tbody></table>`)}
${o.nextBefore ? html`<p><a href="/admin/suppressions?${qs({ ...o.raw, before: String(o.nextBefore) })}">Older →</a></p>` : ''}
<h2>Import a suppression list</h2>
<form method="post" action="/admin/suppressions/import" enctype="multipart/form-data" class="card">${csrfInput(o.csrf)}
<p>A CSV file with a header naming an <code>email</code> or an <code>email_hash</code> column (SHA-256 of the lower-cased address, as the export writes it), and optionally <code>reason</code>. An import only adds: it never lifts or lightens a suppression.</p>
<label for="file">CSV file</label><input type="file" id="file" name="file" accept=".csv,text/csv" required>
<label for="import-reason">Reason for rows without one</label><select id="import-reason" name="reason">
${SUPPRESSION_REASONS.map((r) => html`<option value="${r}"${r === 'manual' ? html` selected` : ''}>${label(r)}</option>`)}</select>
<p><button type="submit">Import</button></p></form>`;
}
