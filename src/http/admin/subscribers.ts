/**
 * Console pages for readers: search and filter, one reader's history (consent events, deliveries),
 * CSV import with a dry run first, CSV export, erasure. All of it through the readers services.
 */
import { Router, type Request, type Response } from 'express';
import { ConsoleOverview } from '../../editors/overview';
import { AppError, ValidationError } from '../../errors';
import { STATUSES } from '../../subscribers/admin';
import { exportCsv } from '../../subscribers/csv-export';
import type { ImportReport } from '../../subscribers/csv-import';
import { formBody } from '../body';
import { html } from '../html';
import { scrollRegion } from '../layout';
import type { ConsoleDeps } from './index';
import { readUploadForm } from './multipart';
import { checkCsrf, consoleLocals, CSRF_FIELD, verifyCsrf } from './session';
import { badge, consolePage, csrfInput, notice, when } from './views';

const PAGE = 50;
const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

function idParam(req: Request): number {
  const v = String(req.params.id);
  if (!/^[1-9]\d{0,14}$/.test(v)) throw new ValidationError('No such subscriber.', 'id');
  return Number(v);
}

const qs = (q: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1])).toString();

export function subscribersRouter(deps: ConsoleDeps): Router {
  const { c, audit } = deps;
  const admin = c.readers.admin;
  const overview = new ConsoleOverview(c.pool, c.queries);
  const r = Router();
  const mailbox = !!c.mailbox;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');

  r.get('/subscribers', async (req, res) => {
    const raw = { q: str(req.query.q), status: str(req.query.status), topic: str(req.query.topic) };
    const topics = await c.topics.list();
    let error: string | undefined;
    let result: Awaited<ReturnType<typeof admin.list>> = { subscribers: [], nextBefore: null };
    const before = /^\d{1,15}$/.test(str(req.query.before)) ? Number(req.query.before) : null;
    try {
      result = await admin.list(await admin.filter(raw), { before, limit: PAGE });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      error = err.message;
      res.status(err.status);
    }
    const body = html`<div class="row spread"><h1>Subscribers</h1>
<p class="row"><a class="button secondary" href="/admin/subscribers/import">Import CSV</a>
<a class="button secondary" href="/admin/subscribers/export?${qs(raw)}" download>Export CSV</a></p></div>
<form method="get" action="/admin/subscribers" class="filters row" role="search">
<div><label for="q">Search</label><input type="search" id="q" name="q" value="${raw.q}" placeholder="address or name"></div>
<div><label for="status">Status</label><select id="status" name="status"><option value="">any</option>
${STATUSES.map((s) => html`<option value="${s}"${raw.status === s ? html` selected` : ''}>${s}</option>`)}</select></div>
<div><label for="topic">Topic</label><select id="topic" name="topic"><option value="">any</option>
${topics.map((t) => html`<option value="${t.slug}"${raw.topic === t.slug ? html` selected` : ''}>${t.name}</option>`)}</select></div>
<div><button type="submit">Filter</button></div>
</form>
${error ? html`<div class="errors" role="alert"><p>${error}</p></div>` : ''}
${result.subscribers.length === 0 ? html`<p>No subscriber matches.</p>` : scrollRegion('Subscribers', html`<table class="subscribers">
<thead><tr><th>Address</th><th>Name</th><th>Status</th><th>Topics</th><th>Since</th></tr></thead>
<tbody>${result.subscribers.map(
      (s) => html`<tr><td><a href="/admin/subscribers/${s.id}">${s.email ?? '(erased)'}</a></td><td>${s.name ?? ''}</td><td>${badge(s.status)}</td>
<td>${s.topics.join(', ')}</td><td>${when(s.createdAt)}</td></tr>`,
    )}</tbody></table>`)}
${result.nextBefore ? html`<p><a href="/admin/subscribers?${qs({ ...raw, before: String(result.nextBefore) })}">Older →</a></p>` : ''}`;
    res.type('html').send(consolePage(res, { title: 'Subscribers', mailbox, body }));
  });

  r.get('/subscribers/export', async (req, res) => {
    const filter = await admin.filter({ q: str(req.query.q), status: str(req.query.status), topic: str(req.query.topic) });
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="subscribers.csv"');
    for await (const chunk of exportCsv(admin, filter)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  const importPage = (res: Response, o: { report?: ImportReport; error?: string; csv?: string } = {}) => {
    const { session } = consoleLocals(res);
    const rep = o.report;
    return consolePage(res, {
      title: 'Import subscribers',
      mailbox,
      body: html`<p><a href="/admin/subscribers">← Subscribers</a></p><h1>Import subscribers</h1>
<p>A CSV file with the header <code>email,name,topics</code>; topics separated by <code>;</code> or spaces. Imported readers are confirmed (consent source <em>import</em>); suppressed and unsubscribed addresses are never re-activated. Run a dry run first: it reports without writing.</p>
${o.error ? html`<div class="errors" role="alert"><p>${o.error}</p></div>` : ''}
${rep ? html`<section class="card import-report" id="import-report"><h2>${rep.dryRun ? 'Dry run: nothing was written' : 'Imported'}</h2>
<dl class="stats">
<div class="stat"><dt>${rep.dryRun ? 'Would import' : 'Imported'}</dt><dd data-k="imported">${rep.imported}</dd></div>
<div class="stat"><dt>${rep.dryRun ? 'Would update' : 'Updated'}</dt><dd data-k="updated">${rep.updated}</dd></div>
<div class="stat"><dt>Invalid</dt><dd data-k="invalid">${rep.invalidCount}</dd></div>
<div class="stat"><dt>Duplicates</dt><dd data-k="duplicates">${rep.duplicates}</dd></div>
<div class="stat"><dt>Suppressed</dt><dd data-k="suppressed">${rep.suppressed}</dd></div>
<div class="stat"><dt>Unsubscribed, left alone</dt><dd data-k="unsubscribed">${rep.unsubscribed}</dd></div></dl>
${rep.invalid.length ? html`<h3>Invalid lines</h3>${scrollRegion('Invalid lines', html`<table><thead><tr><th>Line</th><th>Reason</th></tr></thead>
<tbody>${rep.invalid.slice(0, 200).map((i) => html`<tr><td>${i.line}</td><td>${i.error}</td></tr>`)}</tbody></table>`)}` : ''}
${rep.dryRun && o.csv !== undefined ? html`<form method="post" action="/admin/subscribers/import" enctype="multipart/form-data">${csrfInput(session.csrfToken)}
<input type="hidden" name="csv" value="${o.csv}"><input type="hidden" name="dryRun" value="0">
<p><button type="submit">Import for real</button></p></form>` : ''}
</section>` : ''}
<form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="card">${csrfInput(session.csrfToken)}
<label for="file">CSV file</label><input type="file" id="file" name="file" accept=".csv,text/csv">
<label class="check"><input type="checkbox" name="dryRun" value="1" checked> Dry run (report only)</label>
<p><button type="submit">Upload</button></p></form>`,
    });
  };

  r.get('/subscribers/import', (_req, res) => {
    res.type('html').send(importPage(res));
  });

  r.post('/subscribers/import', async (req, res) => {
    const form = await readUploadForm(req, IMPORT_MAX_BYTES);
    checkCsrf(res, form.fields[CSRF_FIELD]);
    const csv = form.file?.text ?? form.fields.csv ?? '';
    if (!csv.trim()) return res.status(422).type('html').send(importPage(res, { error: 'Choose a CSV file.' }));
    const dryRun = form.fields.dryRun === '1';
    try {
      const report = await c.readers.importer.run(csv, { dryRun });
      if (!dryRun) await audit.record(consoleLocals(res).editor, 'subscribers.import', { detail: `${report.imported} imported, ${report.updated} updated` });
      // The dry run's file rides along in the "import for real" form, so nothing is uploaded twice.
      res.type('html').send(importPage(res, { report, csv: dryRun && csv.length <= 1024 * 1024 ? csv : undefined }));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      res.status(err.status).type('html').send(importPage(res, { error: err.message }));
    }
  });

  r.get('/subscribers/:id', async (req, res) => {
    const id = idParam(req);
    const { session } = consoleLocals(res);
    const [data, deliveries] = await Promise.all([admin.privacyExport(id), overview.subscriberDeliveries(id)]);
    const s = data.subscriber;
    const body = html`<p><a href="/admin/subscribers">← Subscribers</a></p>
<h1>${s.email ?? '(erased)'}</h1>
${notice(req.query.erased === '1' ? 'Personal data erased. The address is on the suppression list.' : undefined)}
<dl class="stats"><div class="stat"><dt>Status</dt><dd>${badge(s.status)}</dd></div>
<div class="stat"><dt>Name</dt><dd>${s.name ?? '—'}</dd></div><div class="stat"><dt>Topics</dt><dd>${s.topics.join(', ') || '—'}</dd></div>
<div class="stat"><dt>Suppressed</dt><dd>${s.suppressed ?? 'no'}</dd></div><div class="stat"><dt>Since</dt><dd>${when(s.createdAt)}</dd></div></dl>
<h2>Consent history</h2>
${scrollRegion('Consent history', html`<table class="consent"><thead><tr><th>When</th><th>Event</th><th>Source</th><th>Topics</th><th>IP</th></tr></thead>
<tbody>${data.consentEvents.map((e) => html`<tr><td>${when(e.at as Date)}</td><td>${String(e.kind)}</td><td>${String(e.source)}</td><td>${((e.topics as string[] | null) ?? []).join(', ')}</td><td>${(e.ip as string | null) ?? ''}</td></tr>`)}</tbody></table>`)}
<h2>Deliveries</h2>
${deliveries.length ? scrollRegion('Deliveries', html`<table class="deliveries"><thead><tr><th>Issue</th><th>Variant</th><th>Status</th><th>Sent</th><th>Error</th></tr></thead>
<tbody>${deliveries.map((d) => html`<tr><td><a href="/admin/issues/${d.issue_id}/send">${d.title}</a></td><td>${d.topics}</td><td>${badge(d.status)}</td><td>${when(d.sent_at)}</td><td class="muted">${d.error ?? ''}</td></tr>`)}</tbody></table>`) : html`<p class="muted">No newsletter delivered yet.</p>`}
${s.status !== 'erased' ? html`<h2>Erase</h2>
<form method="post" action="/admin/subscribers/${id}/erase" class="card danger-zone">${csrfInput(session.csrfToken)}
<p>Removes the address, name, topics and IP addresses for good. The consent ledger keeps its events without who; the address is suppressed so no import can add it again.</p>
<label class="check"><input type="checkbox" name="confirm" value="yes" required> I understand this cannot be undone</label>
<p><button type="submit" class="danger">Erase this subscriber</button></p></form>` : ''}`;
    res.type('html').send(consolePage(res, { title: s.email ?? 'Erased subscriber', mailbox, body }));
  });

  r.post('/subscribers/:id/erase', formBody(), verifyCsrf, async (req, res) => {
    const id = idParam(req);
    if ((req.body as Record<string, unknown>).confirm !== 'yes') throw new ValidationError('Tick the box to confirm the erasure.', 'confirm');
    await admin.erase(id);
    await audit.record(consoleLocals(res).editor, 'subscriber.erase', { detail: `subscriber ${id}` });
    res.redirect(303, `/admin/subscribers/${id}?erased=1`);
  });

  return r;
}
