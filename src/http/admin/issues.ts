/** Console issue pages: the list with send results, the editor form (new / edit), and import. */
import express, { Router, type Response } from 'express';
import { ConflictError, ValidationError } from '../../errors';
import { InvalidDocumentError, type FieldProblem, type IssueDocument } from '../../issues/document';
import { IMPORT_LIMIT_BYTES, type ImportFormat } from '../../issues/importers';
import type { ItemSuggestion } from '../../issues/document';
import { pathId } from '../api-route';
import { html } from '../html';
import type { ConsoleDeps } from './deps';
import { applyOp, blankSection, documentFromForm, parseOp, type FormBody } from './issue-form-data';
import { issueForm } from './issue-form-view';
import { importForm, issueListView, topicDeliverabilityView } from './issues-views';
import { readUploadForm } from './multipart';
import { previewRouter } from './preview';
import { sendRouter } from './send';
import { checkCsrf, consoleLocals, CSRF_FIELD } from './session';
import { consolePage, notice } from './views';

/** The editor form can be long (150 items × a few fields each). */
const issueFormBody = express.urlencoded({ limit: '1mb', extended: false, parameterLimit: 5000 });

/** A save that failed validation: problems to show inline, status 422 (409 for a taken slug). */
function problemsOf(err: unknown): { status: number; problems: FieldProblem[] } | undefined {
  if (err instanceof InvalidDocumentError) return { status: 422, problems: err.problems };
  if (err instanceof ConflictError && err.code === 'slug_taken') return { status: 409, problems: [{ field: 'slug', message: err.message }] };
  if (err instanceof ConflictError) return { status: 409, problems: [{ field: 'document', message: err.message }] };
  if (err instanceof ValidationError) return { status: 422, problems: [{ field: err.field ?? 'document', message: err.message }] };
  return undefined;
}

export function issuesRouter(c: ConsoleDeps): Router {
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
    const sends = await c.consoleOverview.sendSummaries(issues.map((i) => i.id));
    const body = issueListView(issues, sends);
    res.type('html').send(consolePage(res, { title: 'Issues', mailbox, body }));
  });

  r.get('/deliverability', async (_req, res) => {
    const body = topicDeliverabilityView(await c.deliverability.reports.byTopic());
    res.type('html').send(consolePage(res, { title: 'Bounces and complaints by topic', mailbox, body }));
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
      const created = await c.issues.create(doc, { by: editor });
      res.redirect(303, `/admin/issues/${created.id}/preview?saved=1`);
    } catch (err) {
      const p = problemsOf(err);
      if (!p) throw err;
      await showForm(res, { title: 'New issue', action: '/admin/issues/new', label: 'Create draft', doc, problems: p.problems, status: p.status });
    }
  });

  r.get('/issues/import', (_req, res) => {
    res.type('html').send(consolePage(res, { title: 'Import an issue', mailbox, body: importForm(consoleLocals(res).session.csrfToken) }));
  });

  r.post('/issues/import', async (req, res) => {
    const form = await readUploadForm(req, IMPORT_LIMIT_BYTES);
    checkCsrf(res, form.fields[CSRF_FIELD]);
    const { editor } = consoleLocals(res);
    const source = form.file?.text ?? form.fields.source ?? '';
    const format = (['markdown', 'text'].includes(form.fields.format ?? '') ? form.fields.format : 'auto') as ImportFormat;
    const slug = form.fields.slug?.trim() || undefined;
    const fail = (status: number, problems: FieldProblem[]) =>
      res.status(status).type('html').send(consolePage(res, { title: 'Import an issue', mailbox, body: importForm(consoleLocals(res).session.csrfToken, problems, form.fields) }));
    if (!source.trim()) return fail(422, [{ field: 'file', message: 'Choose a Markdown or plain-text file (or paste its text).' }]);
    try {
      const { created } = await c.issues.importDraft(source, format, { slug, by: editor });
      res.redirect(303, `/admin/issues/${created.id}/edit?imported=1`);
    } catch (err) {
      const p = problemsOf(err);
      if (!p) throw err;
      return fail(p.status, p.problems);
    }
  });

  r.get('/issues/:id', (req, res) => res.redirect(303, `/admin/issues/${pathId(req.params.id)}/preview`));

  r.get('/issues/:id/edit', async (req, res) => {
    const id = pathId(req.params.id);
    const issue = await c.issues.get(id);
    if (issue.status !== 'draft') return res.redirect(303, `/admin/issues/${id}/preview`);
    const imported = req.query.imported === '1';
    await showForm(res, {
      title: `Edit: ${issue.title}`, action: `/admin/issues/${id}/edit`, label: 'Save draft', doc: issue.document, suggestions: issue.suggestions,
      note: imported ? 'Imported as a draft. The importer suggested each item’s topics: check them, then save to confirm.' : undefined,
    });
  });

  r.post('/issues/:id/edit', issueFormBody, async (req, res) => {
    const id = pathId(req.params.id);
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
      await c.issues.update(id, doc, editor);
      res.redirect(303, `/admin/issues/${id}/preview?saved=1`);
    } catch (err) {
      const p = problemsOf(err);
      if (!p) throw err;
      await again({ problems: p.problems, status: p.status });
    }
  });

  r.use(previewRouter(c));
  r.use(sendRouter(c));
  return r;
}
