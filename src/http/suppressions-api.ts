/**
 * Editor API for the suppression list: list and search (an address is hashed before the look-up;
 * a 64-digit hash is taken as it is), lift one with a note (audited), CSV export of hashes and
 * reasons, and import of another tool's list. The rules of who may lift what live in
 * src/subscribers/suppressions.ts.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { SUPPRESSION_REASONS } from '../subscribers/suppressions';
import { apiRoute, idParam, intQuery, mountApi } from './api-route';
import { suppression, suppressionImportReport, suppressionPage } from './api-schemas';
import { jsonBody, requireContentType } from './body';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'suppressions' | 'suppressionTransfer'>;

const IMPORT_LIMIT = '50mb';
const reasonError = `reason must be one of ${SUPPRESSION_REASONS.join(', ')}.`;
const reason = z.union([z.literal('').transform(() => undefined), z.enum(SUPPRESSION_REASONS)], { error: reasonError }).optional();
const note = z
  .string({ error: 'note is required: say why the address may be mailed again.' })
  .trim()
  .min(1, { error: 'note is required: say why the address may be mailed again.' })
  .max(500, { error: 'note must be at most 500 characters.' });

export function suppressionsApiRoutes(deps: Deps) {
  const list = deps.suppressions;
  return [
    apiRoute({
      method: 'get', path: '/api/suppressions', summary: 'The suppression list, newest first, by reason and/or address, with counts by reason.', auth: 'editor',
      query: z.object({
        reason,
        q: z.string({ error: 'q must be one address or hash.' }).max(320, { error: 'q must be one address or hash.' }).optional()
          .meta({ description: 'An address (hashed before the look-up) or a 64-digit SHA-256 hash.' }),
        limit: intQuery('limit', 100, 1, 1000),
        before: intQuery('before', undefined, 1, Number.MAX_SAFE_INTEGER),
      }),
      responses: { 200: { description: 'One page; pass ?before=nextBefore for the next.', schema: suppressionPage } }, errors: [422],
      handler: async ({ query }) => {
        const [rows, counts] = await Promise.all([list.list({ ...query, limit: query.limit! }), list.counts()]);
        return { status: 200, json: { suppressions: rows, counts, nextBefore: rows.length === query.limit ? rows.at(-1)!.id : null } };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/suppressions/export', summary: 'The whole list as CSV: email_hash,reason,source,created_at (no addresses).', auth: 'editor',
      responses: { 200: { description: 'CSV.', schema: null, contentType: 'text/csv' } }, errors: [],
      handler: async ({ res }) => {
        res.status(200);
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', 'attachment; filename="suppressions.csv"');
        res.setHeader('Cache-Control', 'no-store');
        for await (const chunk of deps.suppressionTransfer.exportCsv()) {
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
        return undefined;
      },
    }),
    apiRoute({
      method: 'post', path: '/api/suppressions/import',
      summary: 'Import a suppression list (CSV with an email or email_hash column, optionally reason; ?reason= for rows without one, default manual). Only adds.',
      auth: 'editor', query: z.object({ reason }),
      body: {
        types: ['text/csv'],
        parse: [requireContentType(['text/csv']), express.text({ type: 'text/csv', limit: IMPORT_LIMIT, defaultCharset: 'utf-8' })],
        schema: z.string({ error: 'Expected a CSV body.' }),
      },
      responses: { 200: { description: 'What was added.', schema: suppressionImportReport } }, errors: [],
      handler: async ({ query, body, editor }) => ({ status: 200, json: await deps.suppressionTransfer.import(body, { reason: query.reason, by: editor }) }),
    }),
    apiRoute({
      method: 'delete', path: '/api/suppressions/:id', summary: 'Lift one suppression, with a note saying why (audited). An erased address cannot be lifted by an editor (409).',
      auth: 'editor', params: z.object({ id: idParam }),
      body: { types: ['application/json'], parse: jsonBody(), schema: z.object({ note }, { error: 'The body must be a JSON object with a note.' }).strict() },
      responses: { 200: { description: 'The suppression that was lifted.', schema: z.object({ lifted: suppression }) } }, errors: [404, 409],
      handler: async ({ params, body, editor }) => ({ status: 200, json: { lifted: await list.liftByEditor(params.id, body.note, editor) } }),
    }),
  ];
}

export function suppressionsApiRouter(deps: Deps): Router {
  const r = Router();
  mountApi(r, suppressionsApiRoutes(deps), { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
