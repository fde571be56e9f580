/**
 * Editor API for issues: create (JSON document, or Markdown / plain text to import), list, read,
 * edit drafts, preview any topic set, list the variant matrix, send one test email.
 * Thin: the route declarations validate the input, the issues / rendering / sending services do the
 * work (and write the audit log), the handlers shape the answer.
 */
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { UnsupportedMediaTypeError, ValidationError } from '../errors';
import { IMPORT_LIMIT_BYTES, type ImportFormat } from '../issues/importers';
import type { Issue, IssueSummary } from '../issues/service';
import { ISSUE_STATUSES } from '../issues/status';
import { exampleValues } from '../rendering/example-links';
import { personalize } from '../rendering/personalize';
import { apiRoute, idParam, mountApi } from './api-route';
import { issue, issueCreated, issueDocument, issueDryRun, issueImported, issueSummary, testSent, variantSummary } from './api-schemas';
import { jsonBody } from './body';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'issues' | 'importers' | 'variants' | 'topics' | 'sending'>;

const params = z.object({ id: idParam });
const IMPORT_TYPES = ['text/markdown', 'text/x-markdown', 'text/plain'];

/** JSON documents, or Markdown / plain text to import; anything else is a 415. */
function documentBody(): RequestHandler[] {
  const json = jsonBody();
  const text = express.text({ type: IMPORT_TYPES, limit: IMPORT_LIMIT_BYTES });
  return [
    (req, res, next) => {
      if (req.is(['application/json', 'application/*+json'])) return json[1]!(req, res, next);
      if (req.is(IMPORT_TYPES)) return text(req, res, next);
      next(new UnsupportedMediaTypeError('Content-Type must be application/json, text/markdown or text/plain.'));
    },
  ];
}

function issueJson(i: Issue) {
  return {
    id: i.id, slug: i.slug, title: i.title, status: i.status, document: i.document, suggestions: i.suggestions,
    createdAt: i.created_at, updatedAt: i.updated_at, sentAt: i.sent_at,
  };
}

function summaryJson(i: IssueSummary) {
  return { id: i.id, slug: i.slug, title: i.title, status: i.status, itemCount: i.item_count, createdAt: i.created_at, updatedAt: i.updated_at, sentAt: i.sent_at };
}

const TOPICS = 'topics must list at least one topic';
/** `ai,nev` (commas or spaces) or `["ai","nev"]`; each is checked against the topics by the handler. */
const topicList = z.union([
  z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean)),
  z.array(z.string({ error: TOPICS })),
], { error: TOPICS }).pipe(z.array(z.string()).min(1, { error: TOPICS }));

/** Known slugs, once each (`undefined`: every topic). */
async function knownTopics(deps: Deps, list: string[] | undefined): Promise<string[]> {
  const all = await deps.topics.slugs();
  if (list === undefined) return all;
  for (const t of list) if (!all.includes(t)) throw new ValidationError(`unknown topic ${JSON.stringify(t)}`, 'topics');
  return [...new Set(list)];
}

export function issuesApiRoutes(deps: Deps) {
  return [
    apiRoute({
      method: 'post', path: '/api/issues', auth: 'editor',
      summary: 'Create a draft from an issue document, or import Markdown / a plain-text newsletter (?dryRun=1: only show the result).',
      query: z.object({ slug: z.string().optional(), dryRun: z.string().optional() }),
      body: {
        types: ['application/json', ...IMPORT_TYPES], parse: documentBody(), validatedBy: 'service',
        schema: z.union([issueDocument, z.string().meta({ description: 'Markdown or plain text (text/markdown, text/plain)' })]),
      },
      responses: {
        200: { description: 'Dry run of an import: nothing stored.', schema: issueDryRun },
        201: { description: 'Created (an import also answers the document and the suggested topics).', schema: z.union([issueImported, issueCreated]) },
      },
      errors: [409, 422],
      handler: async ({ query, body, editor, req }) => {
        if (typeof body !== 'string') return { status: 201, json: await deps.issues.create(body, { by: editor }) };
        const format: ImportFormat = req.is(['text/markdown', 'text/x-markdown']) ? 'markdown' : 'auto';
        const slug = query.slug || undefined;
        if (query.dryRun === '1' || query.dryRun === 'true') {
          const imported = await deps.importers.import(body, format, { slug });
          return { status: 200, json: { dryRun: true, format: imported.format, document: imported.document, suggestions: imported.suggestions } };
        }
        const { created, imported } = await deps.issues.importDraft(body, format, { slug, by: editor });
        return { status: 201, json: { ...created, format: imported.format, document: imported.document, suggestions: imported.suggestions } };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/issues', summary: 'Issues, newest first.', auth: 'editor',
      query: z.object({ status: z.enum(ISSUE_STATUSES, { error: `status must be ${ISSUE_STATUSES.join(', ')}` }).optional() }),
      responses: { 200: { description: 'The list.', schema: z.object({ issues: z.array(issueSummary) }) } },
      errors: [],
      handler: async ({ query }) => ({ status: 200, json: { issues: (await deps.issues.list({ status: query.status })).map(summaryJson) } }),
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id', summary: 'One issue with its document.', auth: 'editor', params,
      responses: { 200: { description: 'The issue.', schema: issue } }, errors: [404],
      handler: async ({ params: p }) => ({ status: 200, json: issueJson(await deps.issues.get(p.id)) }),
    }),
    apiRoute({
      method: 'put', path: '/api/issues/:id', summary: 'Replace a draft’s document.', auth: 'editor', params,
      body: { types: ['application/json'], parse: jsonBody(), schema: issueDocument, validatedBy: 'service' },
      responses: { 200: { description: 'Saved.', schema: issueCreated } }, errors: [404, 409, 422],
      handler: async ({ params: p, body, editor }) => ({ status: 200, json: await deps.issues.update(p.id, body, editor) }),
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id/preview', summary: 'The email as a reader of these topics gets it.', auth: 'editor', params,
      query: z.object({ format: z.enum(['html', 'text'], { error: 'format must be html or text' }).default('html'), topics: topicList.optional() }),
      responses: {
        200: { description: 'The HTML or text part (or, for a reader who gets nothing, a note and X-Tidings-Empty: true).', schema: null, contentType: 'text/html' },
      },
      errors: [404],
      handler: async ({ params: p, query, res }) => {
        const topics = await knownTopics(deps, query.topics);
        const v = await deps.variants.variant(p.id, topics);
        res.setHeader('X-Tidings-Topics', v.topics);
        res.setHeader('X-Tidings-Item-Count', String(v.itemCount));
        if (v.empty) {
          res.setHeader('X-Tidings-Empty', 'true');
          res.type('text/plain; charset=utf-8').send(`A reader of ${v.topics} gets no email from this issue: no item or highlight is for them.\n`);
          return undefined;
        }
        const values = exampleValues(deps.config.publicUrl, topics);
        if (query.format === 'text') {
          res.type('text/plain; charset=utf-8').send(personalize(v.text, values, 'text'));
          return undefined;
        }
        // The email's own markup (inline styles): served under a sandbox CSP like the local mailbox.
        res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'");
        res.type('html').send(personalize(v.html, values, 'html'));
        return undefined;
      },
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id/variants', summary: 'Every topic set’s variant, rendered if stale.', auth: 'editor', params,
      responses: { 200: { description: 'The variant matrix.', schema: z.object({ variants: z.array(variantSummary) }) } }, errors: [404],
      handler: async ({ params: p }) => {
        const variants = await deps.variants.ensureVariants(p.id);
        return {
          status: 200,
          json: { variants: variants.map((v) => ({ topics: v.topicList, key: v.topics, subject: v.subject, itemCount: v.itemCount, htmlBytes: v.htmlBytes, empty: v.empty })) },
        };
      },
    }),
    // The message is built by the delivery engine's builder (same headers as the newsletter); the
    // sending service validates, applies the per-editor limit and records the audit entry.
    apiRoute({
      method: 'post', path: '/api/issues/:id/test', summary: 'Send one test email.', auth: 'editor', params,
      body: {
        types: ['application/json'], parse: jsonBody(),
        schema: z.object({ to: z.string({ error: 'to must be an email address' }), topics: topicList.optional() }, { error: 'The body must be a JSON object.' }),
      },
      // 503: the relay refused or is unreachable (e.g. credentials without TLS, docs/security.md).
      responses: { 200: { description: 'Sent.', schema: testSent } }, errors: [404, 422, 429, 503],
      handler: async ({ params: p, body, editor }) => {
        const sent = await deps.sending.testSender.send({ issueId: p.id, editor, to: body.to, topics: body.topics });
        return { status: 200, json: { status: 'sent', to: sent.to, topics: sent.topics, messageId: sent.messageId } };
      },
    }),
  ];
}

export function issuesApiRouter(deps: Deps): Router {
  const r = Router();
  mountApi(r, issuesApiRoutes(deps), { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
