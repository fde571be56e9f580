/**
 * Editor API for issues: create (JSON document, or Markdown / plain text to import), list, read,
 * edit drafts, preview any topic set, list the variant matrix, send one test email.
 * Thin: parse and validate input, call the issues / rendering / sending services, shape the answer.
 */
import express, { Router, type RequestHandler } from 'express';
import type { Container } from '../app';
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { IMPORT_LIMIT_BYTES, type ImportFormat } from '../issues/importers';
import type { Issue, IssueStatus, IssueSummary } from '../issues/service';
import { exampleValues } from '../rendering/example-links';
import { personalize } from '../rendering/personalize';
import { jsonBody } from './body';
import { currentEditor, requireEditor } from './editor-auth';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'issues' | 'importers' | 'variants' | 'topics' | 'sending' | 'audit'>;

export function parseId(v: unknown): number {
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw new NotFoundError('No such issue.');
  return Number(v);
}

/** JSON documents, or Markdown / plain text to import; anything else is a 415. */
function documentBody(): RequestHandler[] {
  const json = jsonBody();
  const text = express.text({ type: ['text/markdown', 'text/x-markdown', 'text/plain'], limit: IMPORT_LIMIT_BYTES });
  return [
    (req, res, next) => {
      if (req.is(['application/json', 'application/*+json'])) return json[1]!(req, res, next);
      if (req.is(['text/markdown', 'text/x-markdown', 'text/plain'])) return text(req, res, next);
      next(new UnsupportedMediaTypeError('Content-Type must be application/json, text/markdown or text/plain.'));
    },
  ];
}

function issueJson(i: Issue) {
  return {
    id: i.id,
    slug: i.slug,
    title: i.title,
    status: i.status,
    document: i.document,
    suggestions: i.suggestions,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    sentAt: i.sent_at,
  };
}

function summaryJson(i: IssueSummary) {
  return { id: i.id, slug: i.slug, title: i.title, status: i.status, itemCount: i.item_count, createdAt: i.created_at, updatedAt: i.updated_at, sentAt: i.sent_at };
}

/** `ai,nev` (commas or spaces) or `["ai","nev"]` → a list of strings; absent → undefined. */
function topicList(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : null;
  if (!list || list.length === 0) throw new ValidationError('topics must list at least one topic', 'topics');
  for (const t of list) {
    if (typeof t !== 'string') throw new ValidationError(`unknown topic ${JSON.stringify(t)}`, 'topics');
  }
  return list as string[];
}

/** `?topics=ai,nev` → known slugs; absent → every topic. */
async function parseTopics(deps: Deps, raw: unknown): Promise<string[]> {
  const all = await deps.topics.slugs();
  const list = topicList(raw);
  if (list === undefined) return all;
  for (const t of list) {
    if (!all.includes(t)) throw new ValidationError(`unknown topic ${JSON.stringify(t)}`, 'topics');
  }
  return [...new Set(list)];
}

export function issuesApiRouter(deps: Deps): Router {
  const r = Router();
  const auth = requireEditor(deps.editorAuth);

  r.post('/api/issues', auth, ...documentBody(), async (req, res) => {
    const editor = currentEditor(res.locals);
    if (typeof req.body === 'string') {
      const format: ImportFormat = req.is(['text/markdown', 'text/x-markdown']) ? 'markdown' : 'auto';
      const slug = typeof req.query.slug === 'string' && req.query.slug ? req.query.slug : undefined;
      const imported = await deps.importers.import(req.body, format, { slug });
      if (req.query.dryRun === '1' || req.query.dryRun === 'true') {
        res.status(200).json({ dryRun: true, format: imported.format, document: imported.document, suggestions: imported.suggestions });
        return;
      }
      const created = await deps.issues.create(imported.document, { editorId: editor.id, suggestions: imported.suggestions });
      // The same audit entries as the console's (src/http/admin/issues.ts).
      await deps.audit.record(editor, 'issue.import', { issueId: created.id, detail: `${imported.format}: ${created.slug}` });
      res.status(201).json({ ...created, format: imported.format, document: imported.document, suggestions: imported.suggestions });
      return;
    }
    const created = await deps.issues.create(req.body, { editorId: editor.id });
    await deps.audit.record(editor, 'issue.create', { issueId: created.id, detail: created.slug });
    res.status(201).json(created);
  });

  r.get('/api/issues', auth, async (req, res) => {
    const status = req.query.status;
    if (status !== undefined && !['draft', 'sending', 'sent', 'cancelled'].includes(String(status))) {
      throw new ValidationError('status must be draft, sending, sent or cancelled', 'status');
    }
    const issues = await deps.issues.list({ status: status as IssueStatus | undefined });
    res.json({ issues: issues.map(summaryJson) });
  });

  r.get('/api/issues/:id', auth, async (req, res) => {
    res.json(issueJson(await deps.issues.get(parseId(req.params.id))));
  });

  r.put('/api/issues/:id', auth, ...jsonBody(), async (req, res) => {
    const id = parseId(req.params.id);
    const updated = await deps.issues.update(id, req.body);
    await deps.audit.record(currentEditor(res.locals), 'issue.update', { issueId: id });
    res.json(updated);
  });

  r.get('/api/issues/:id/preview', auth, async (req, res) => {
    const id = parseId(req.params.id);
    const format = req.query.format ?? 'html';
    if (format !== 'html' && format !== 'text') throw new ValidationError('format must be html or text', 'format');
    const topics = await parseTopics(deps, req.query.topics);
    const v = await deps.variants.variant(id, topics);
    res.setHeader('X-Tidings-Topics', v.topics);
    res.setHeader('X-Tidings-Item-Count', String(v.itemCount));
    if (v.empty) {
      res.setHeader('X-Tidings-Empty', 'true');
      res.type('text/plain; charset=utf-8').send(`A reader of ${v.topics} gets no email from this issue: no item or highlight is for them.\n`);
      return;
    }
    const values = exampleValues(deps.config.publicUrl, topics);
    if (format === 'text') {
      res.type('text/plain; charset=utf-8').send(personalize(v.text, values, 'text'));
      return;
    }
    // The email's own markup (inline styles): served under a sandbox CSP like the local mailbox.
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'");
    res.type('html').send(personalize(v.html, values, 'html'));
  });

  r.get('/api/issues/:id/variants', auth, async (req, res) => {
    const variants = await deps.variants.ensureVariants(parseId(req.params.id));
    res.json({
      variants: variants.map((v) => ({
        topics: v.topicList,
        key: v.topics,
        subject: v.subject,
        itemCount: v.itemCount,
        htmlBytes: v.htmlBytes,
        empty: v.empty,
      })),
    });
  });

  // The message is built by the delivery engine's builder (same headers as the newsletter); the
  // sending service validates, applies the per-editor limit and records the audit entry.
  r.post('/api/issues/:id/test', auth, ...jsonBody(), async (req, res) => {
    const id = parseId(req.params.id);
    const body = (req.body ?? {}) as { to?: unknown; topics?: unknown };
    if (typeof body.to !== 'string') throw new ValidationError('to must be an email address', 'to');
    const sent = await deps.sending.testSender.send({ issueId: id, editor: currentEditor(res.locals), to: body.to, topics: topicList(body.topics) });
    res.status(200).json({ status: 'sent', to: sent.to, topics: sent.topics, messageId: sent.messageId });
  });

  return r;
}
