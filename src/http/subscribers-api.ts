/** Editor API for readers: list/search, one reader, CSV import/export, privacy export, erase. */
import express, { Router, type Request } from 'express';
import type { Container } from '../app';
import { BadRequestError, ValidationError } from '../errors';
import { exportCsv } from '../subscribers/csv-export';
import { requireContentType } from './body';
import { currentEditor, requireEditor } from './editor-auth';

const IMPORT_LIMIT = '50mb';

function idParam(req: Request): number {
  const v = String(req.params.id);
  if (!/^[1-9]\d{0,14}$/.test(v)) throw new ValidationError('id must be a positive integer.', 'id');
  return Number(v);
}

function intQuery(v: unknown, field: string, def: number | null, max: number): number | null {
  if (v === undefined || v === '') return def;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw new ValidationError(`${field} must be a whole number between 1 and ${max}.`, field);
  }
  return Number(v);
}

export function subscribersApiRouter(c: Container): Router {
  const r = Router();
  const admin = c.readers.admin;
  const editor = requireEditor(c.editorAuth);

  r.get('/api/subscribers', editor, async (req, res) => {
    const filter = await admin.filter(req.query);
    const limit = intQuery(req.query.limit, 'limit', 100, 1000)!;
    const before = intQuery(req.query.before, 'before', null, Number.MAX_SAFE_INTEGER);
    res.json(await admin.list(filter, { before, limit }));
  });

  r.get('/api/subscribers/export', editor, async (req, res) => {
    const filter = await admin.filter(req.query);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="subscribers.csv"');
    res.setHeader('Cache-Control', 'no-store');
    for await (const chunk of exportCsv(admin, filter)) {
      // Respect back-pressure: a slow client must not make us buffer the whole list.
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  r.post(
    '/api/subscribers/import',
    editor,
    requireContentType(['text/csv']),
    express.text({ type: 'text/csv', limit: IMPORT_LIMIT, defaultCharset: 'utf-8' }),
    async (req, res) => {
      const dry = req.query.dryRun;
      if (dry !== undefined && !['0', '1', 'true', 'false'].includes(String(dry))) {
        throw new ValidationError('dryRun must be 1 or 0.', 'dryRun');
      }
      if (typeof req.body !== 'string') throw new BadRequestError('Expected a CSV body.', 'body', 'bad_body');
      const dryRun = dry === '1' || dry === 'true';
      const report = await c.readers.importer.run(req.body, { dryRun });
      // The same audit entries as the console's (src/http/admin/subscribers.ts).
      if (!dryRun) await c.audit.record(currentEditor(res.locals), 'subscribers.import', { detail: `${report.imported} imported, ${report.updated} updated` });
      res.json(report);
    },
  );

  r.get('/api/subscribers/:id/export', editor, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await admin.privacyExport(idParam(req)));
  });

  r.get('/api/subscribers/:id', editor, async (req, res) => {
    res.json(await admin.get(idParam(req)));
  });

  r.delete('/api/subscribers/:id', editor, async (req, res) => {
    const id = idParam(req);
    const erased = await admin.erase(id);
    await c.audit.record(currentEditor(res.locals), 'subscriber.erase', { detail: `subscriber ${id}` });
    res.json(erased);
  });

  return r;
}
