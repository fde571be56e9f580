/** Console issue pages: the list with send results, the editor form (new / edit), and import. */
import express, { Router, type Request, type Response } from 'express';
import { ConflictError, ValidationError } from '../../errors';
import { InvalidDocumentError, type FieldProblem, type IssueDocument } from '../../issues/document';
import { IMPORT_LIMIT_BYTES, type ImportFormat } from '../../issues/importers';
import type { ItemSuggestion } from '../../issues/service';
import { ConsoleOverview, type SendSummary } from '../../editors/overview';
import { html } from '../html';
import { scrollRegion } from '../layout';
import type { ConsoleDeps } from './index';
import { applyOp, blankSection, documentFromForm, parseOp, type FormBody } from './issue-form-data';
import { issueForm } from './issue-form-view';
import { readUploadForm } from './multipart';
import { previewRouter } from './preview';
import { sendRouter } from './send';
import { checkCsrf, consoleLocals, CSRF_FIELD } from './session';
import { badge, consolePage, csrfInput, notice, when } from './views';

/** The editor form can be long (150 items × a few fields each). */
const issueFormBody = express.urlencoded({ limit: '1mb', extended: false, parameterLimit: 5000 });

export function issueIdParam(req: Request): number {
  const v = String(req.params.id);
  if (!/^[1-9]\d{0,14}$/.test(v)) throw new ValidationError('No such issue.', 'id');
  return Number(v);
}

function sendCell(s: SendSummary | undefined) {
  if (!s) return html`<span class="muted">not sent</span>`;
  const state = s.paused && (s.status === 'preparing' || s.status === 'sending') ? 'paused' : s.status;
  return html`${badge(state)} <span class="muted">${s.sent}/${s.total} sent${s.failed ? `, ${s.failed} failed` : ''}${s.uncertain ? `, ${s.uncertain} uncertain` : ''}</span>`;
}

/** "Preview", "Edit", "Send" repeat on every row; the hidden title tells a screen reader which issue. */
const forIssue = (title: string) => html`<span class="visually-hidden"> “${title}”</span>`;

/** A save that failed validation: problems to show inline, status 422 (409 for a taken slug). */
function problemsOf(err: unknown): { status: number; problems: FieldProblem[] } | undefined {
  if (err instanceof InvalidDocumentError) return { status: 422, problems: err.problems };
  if (err instanceof ConflictError && err.code === 'slug_taken') return { status: 409, problems: [{ field: 'slug', message: err.message }] };
  if (err instanceof ConflictError) return { status: 409, problems: [{ field: 'document', message: err.message }] };
  if (err instanceof ValidationError) return { status: 422, problems: [{ field: err.field ?? 'document', message: err.message }] };
  return undefined;
}

export function issuesRouter(deps: ConsoleDeps): Router {
  const { c, audit } = deps;
  const overview = new ConsoleOverview(c.pool, c.queries);
  const r = Router();
  const mailbox = !!c.mailbox;

  const showForm = async (res: Response, o: { title: string; action: string; doc: IssueDocument; problems?: FieldProblem[]; suggestions?: ItemSuggestion[] | null; status?: number; note?: string; label: string; extra?: ReturnType<typeof html> }) => {
    const { session } = consoleLocals(res);
    const form = issueForm({
      action: o.action, csrf: session.csrfToken, doc: o.doc, topics: await c.topics.list(), problems: o.problems ?? [],
      suggestions: o.suggestions ?? null, submitLabel: o.label,
    });
    res.status(o.status ?? 200).type('html').send(
      consolePage(res, { title: o.title, mailbox, body: html`<h1>${o.title}</h1>${o.extra ?? ''}${notice(o.note)}${form}` }),
    );
  };

  r.get('/issues', async (_req, res) => {
    const issues = await c.issues.list();
    const sends = await overview.sendSummaries(issues.map((i) => i.id));
    const body = html`<div class="row spread"><h1>Issues</h1>
<p class="row"><a class="button" href="/admin/issues/new">New issue</a> <a class="button secondary" href="/admin/issues/import">Import a file</a></p></div>
${issues.length === 0 ? html`<p>No issue yet. Write one or import a Markdown or plain-text file.</p>` : scrollRegion('Issues', html`<table class="issues">
<thead><tr><th>Issue</th><th>Status</th><th>Items</th><th>Send</th><th>Updated</th><th>Actions</th></tr></thead>
<tbody>${issues.map(
      (i) => html`<tr><td><a href="/admin/issues/${i.id}">${i.title}</a><br><small class="muted">${i.slug}</small></td>
<td>${badge(i.status)}</td><td>${i.item_count}</td><td>${sendCell(sends.get(i.id))}</td><td>${when(i.updated_at)}</td>
<td class="actions"><a href="/admin/issues/${i.id}/preview">Preview${forIssue(i.title)}</a>${i.status === 'draft' ? html` · <a href="/admin/issues/${i.id}/edit">Edit${forIssue(i.title)}</a>` : ''} · <a href="/admin/issues/${i.id}/send">${i.status === 'draft' ? 'Send' : 'Progress'}${forIssue(i.title)}</a></td></tr>`,
    )}</tbody></table>`)}`;
    res.type('html').send(consolePage(res, { title: 'Issues', mailbox, body }));
  });

  r.get('/issues/new', async (_req, res) => {
    const today = new Date().toISOString().slice(0, 10);
    await showForm(res, { title: 'New issue', action: '/admin/issues/new', label: 'Create draft', doc: { slug: `${today}-issue`, title: '', sections: [blankSection()] } });
  });

  r.post('/issues/new', issueFormBody, async (req, res) => {
    checkCsrf(res, (req.body as FormBody)[CSRF_FIELD]);
    const doc = documentFromForm(req.body as FormBody, await c.topics.slugs());
    const op = parseOp((req.body as FormBody).op);
    if (op.kind !== 'save') {
      applyOp(doc, op);
      return showForm(res, { title: 'New issue', action: '/admin/issues/new', label: 'Create draft', doc });
    }
    const { editor } = consoleLocals(res);
    try {
      const created = await c.issues.create(doc, { editorId: editor.id });
      await audit.record(editor, 'issue.create', { issueId: created.id, detail: created.slug });
      res.redirect(303, `/admin/issues/${created.id}/preview?saved=1`);
    } catch (err) {
      const p = problemsOf(err);
      if (!p) throw err;
      await showForm(res, { title: 'New issue', action: '/admin/issues/new', label: 'Create draft', doc, problems: p.problems, status: p.status });
    }
  });

  r.get('/issues/import', (_req, res) => {
    res.type('html').send(consolePage(res, { title: 'Import an issue', mailbox, body: importForm(res) }));
  });

  r.post('/issues/import', async (req, res) => {
    const form = await readUploadForm(req, IMPORT_LIMIT_BYTES);
    checkCsrf(res, form.fields[CSRF_FIELD]);
    const { editor } = consoleLocals(res);
    const source = form.file?.text ?? form.fields.source ?? '';
    const format = (['markdown', 'text'].includes(form.fields.format ?? '') ? form.fields.format : 'auto') as ImportFormat;
    const slug = form.fields.slug?.trim() || undefined;
    const fail = (status: number, problems: FieldProblem[]) =>
      res.status(status).type('html').send(consolePage(res, { title: 'Import an issue', mailbox, body: importForm(res, problems, form.fields) }));
    if (!source.trim()) return fail(422, [{ field: 'file', message: 'Choose a Markdown or plain-text file (or paste its text).' }]);
    try {
      const imported = await c.importers.import(source, format, { slug });
      const created = await c.issues.create(imported.document, { editorId: editor.id, suggestions: imported.suggestions });
      await audit.record(editor, 'issue.import', { issueId: created.id, detail: `${imported.format}: ${created.slug}` });
      res.redirect(303, `/admin/issues/${created.id}/edit?imported=1`);
    } catch (err) {
      const p = problemsOf(err);
      if (!p) throw err;
      return fail(p.status, p.problems);
    }
  });

  r.get('/issues/:id', (req, res) => res.redirect(303, `/admin/issues/${issueIdParam(req)}/preview`));

  r.get('/issues/:id/edit', async (req, res) => {
    const id = issueIdParam(req);
    const issue = await c.issues.get(id);
    if (issue.status !== 'draft') return res.redirect(303, `/admin/issues/${id}/preview`);
    const imported = req.query.imported === '1';
    await showForm(res, {
      title: `Edit: ${issue.title}`, action: `/admin/issues/${id}/edit`, label: 'Save draft', doc: issue.document, suggestions: issue.suggestions,
      note: imported ? 'Imported as a draft. The importer suggested each item’s topics: check them, then save to confirm.' : undefined,
    });
  });

  r.post('/issues/:id/edit', issueFormBody, async (req, res) => {
    const id = issueIdParam(req);
    checkCsrf(res, (req.body as FormBody)[CSRF_FIELD]);
    const issue = await c.issues.get(id);
    const doc = documentFromForm(req.body as FormBody, await c.topics.slugs());
    const op = parseOp((req.body as FormBody).op);
    const again = (o: { problems?: FieldProblem[]; status?: number } = {}) =>
      showForm(res, { title: `Edit: ${issue.title}`, action: `/admin/issues/${id}/edit`, label: 'Save draft', doc, suggestions: issue.suggestions, ...o });
    if (op.kind !== 'save') {
      applyOp(doc, op);
      return again();
    }
    const { editor } = consoleLocals(res);
    try {
      await c.issues.update(id, doc);
      await audit.record(editor, 'issue.update', { issueId: id });
      res.redirect(303, `/admin/issues/${id}/preview?saved=1`);
    } catch (err) {
      const p = problemsOf(err);
      if (!p) throw err;
      await again({ problems: p.problems, status: p.status });
    }
  });

  r.use(previewRouter(deps));
  r.use(sendRouter(deps));
  return r;
}

function importForm(res: Response, problems: FieldProblem[] = [], fields: Record<string, string> = {}) {
  const { session } = consoleLocals(res);
  return html`<h1>Import an issue</h1>
<p>Upload the issue as Markdown (front matter, <code>## Section</code>, <code>### Item</code>; see docs/authoring.md) or as a plain-text newsletter. The importer suggests topics for every item; you confirm them in the editor before anything is sent.</p>
${problems.length ? html`<div class="errors" role="alert" id="form-errors"><ul>${problems.map((p) => html`<li><strong>${p.field}</strong>: ${p.message}</li>`)}</ul></div>` : ''}
<form method="post" action="/admin/issues/import" enctype="multipart/form-data" class="card">
${csrfInput(session.csrfToken)}
<label for="file">File (.md or .txt)</label>
<input type="file" id="file" name="file" accept=".md,.markdown,.txt,text/markdown,text/plain">
<label for="format">Format</label>
<select id="format" name="format">
${(['auto', 'markdown', 'text'] as const).map((f) => html`<option value="${f}"${fields.format === f ? html` selected` : ''}>${f === 'auto' ? 'Detect' : f === 'markdown' ? 'Markdown' : 'Plain text'}</option>`)}
</select>
<label for="slug">Slug (optional)</label>
<input type="text" id="slug" name="slug" value="${fields.slug ?? ''}">
<details><summary>…or paste the text</summary>
<label for="source">Text</label><textarea id="source" name="source" rows="8">${fields.source ?? ''}</textarea></details>
<p><button type="submit">Import as draft</button></p>
</form>`;
}
