/** Editor API for readers: list/search, one reader, CSV import/export, privacy export, erase. */
import express, { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { STATUSES } from '../subscribers/admin';
import { exportCsv } from '../subscribers/csv-export';
import type { SubscriberStatus } from '../subscribers/types';
import { apiRoute, idParam, intQuery, mountApi } from './api-route';
import { erased, importReport, privacyExport, subscriberDetail, subscriberPage } from './api-schemas';
import { requireContentType } from './body';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'readers'>;

const IMPORT_LIMIT = '50mb';
const params = z.object({ id: idParam });
const short = (field: string) => z.string({ error: `${field} must be one short value.` }).max(200, { error: `${field} must be one short value.` }).optional();
/** The filters, as the readers service checks them too (the console shares it); the topic must exist. */
const filters = {
  status: z.union([z.literal(''), z.enum(STATUSES as readonly SubscriberStatus[] as [SubscriberStatus, ...SubscriberStatus[]])], { error: `status must be one of ${STATUSES.join(', ')}.` }).optional(),
  topic: short('topic'),
  q: short('q').meta({ description: 'Part of the address or the name.' }),
};

export function subscribersApiRoutes(deps: Deps) {
  const admin = deps.readers.admin;
  return [
    apiRoute({
      method: 'get', path: '/api/subscribers', summary: 'Readers, newest first, filtered by status, topic and a search in address and name.', auth: 'editor',
      query: z.object({ ...filters, limit: intQuery('limit', 100, 1, 1000), before: intQuery('before', undefined, 1, Number.MAX_SAFE_INTEGER) }),
      responses: { 200: { description: 'One page; pass ?before=nextBefore for the next.', schema: subscriberPage } }, errors: [422],
      handler: async ({ query }) => {
        const filter = await admin.filter(query);
        return { status: 200, json: await admin.list(filter, { before: query.before ?? null, limit: query.limit! }) };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/subscribers/export', summary: 'The filtered readers as CSV.', auth: 'editor', query: z.object(filters),
      responses: { 200: { description: 'CSV, header email,name,topics,status,…', schema: null, contentType: 'text/csv' } }, errors: [422],
      handler: async ({ query, res }) => {
        const filter = await admin.filter(query);
        res.status(200);
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', 'attachment; filename="subscribers.csv"');
        res.setHeader('Cache-Control', 'no-store');
        for await (const chunk of exportCsv(admin, filter)) {
          // Respect back-pressure: a slow client must not make us buffer the whole list.
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
        return undefined;
      },
    }),
    apiRoute({
      method: 'post', path: '/api/subscribers/import', summary: 'Import readers from CSV (email,name,topics); ?dryRun=1 only reports; ?welcome=1 sends the welcome email to the readers it adds.', auth: 'editor',
      query: z.object({
        dryRun: z.enum(['0', '1', 'true', 'false'], { error: 'dryRun must be 1 or 0.' }).optional(),
        welcome: z.enum(['0', '1', 'true', 'false'], { error: 'welcome must be 1 or 0.' }).optional()
          .meta({ description: 'Send the welcome email to each reader this import adds (never to existing or suppressed ones; nothing with WELCOME_EMAIL=off). Default off.' }),
      }),
      body: {
        types: ['text/csv'],
        parse: [requireContentType(['text/csv']), express.text({ type: 'text/csv', limit: IMPORT_LIMIT, defaultCharset: 'utf-8' })],
        schema: z.string({ error: 'Expected a CSV body.' }),
      },
      responses: { 200: { description: 'What was (or would be) imported.', schema: importReport } }, errors: [],
      handler: async ({ query, body, editor }) => {
        const yes = (v: string | undefined) => v === '1' || v === 'true';
        return { status: 200, json: await deps.readers.importer.run(body, { dryRun: yes(query.dryRun), welcome: yes(query.welcome), by: editor }) };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/subscribers/:id/export', summary: 'Everything held about one reader (GDPR art. 15 / 20).', auth: 'editor', params,
      responses: { 200: { description: 'The privacy export.', schema: privacyExport } }, errors: [404],
      handler: async ({ params: p, res }) => {
        res.setHeader('Cache-Control', 'no-store');
        return { status: 200, json: await admin.privacyExport(p.id) };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/subscribers/:id', summary: 'One reader.', auth: 'editor', params,
      responses: { 200: { description: 'The reader.', schema: subscriberDetail } }, errors: [404],
      handler: async ({ params: p }) => ({ status: 200, json: await admin.get(p.id) }),
    }),
    apiRoute({
      method: 'delete', path: '/api/subscribers/:id', summary: 'Erase a reader’s personal data (the address stays suppressed).', auth: 'editor', params,
      responses: { 200: { description: 'Erased.', schema: erased } }, errors: [404],
      handler: async ({ params: p, editor }) => ({ status: 200, json: await admin.erase(p.id, editor) }),
    }),
  ];
}

export function subscribersApiRouter(deps: Deps): Router {
  const r = Router();
  mountApi(r, subscribersApiRoutes(deps), { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
