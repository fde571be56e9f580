/**
 * Console pages for readers: search and filter, one reader's history (consent events, deliveries),
 * CSV import with a dry run first, CSV export, erasure. All of it through the readers services.
 */
import { Router, type Response } from 'express';
import { AppError, ValidationError } from '../../errors';
import { exportCsv } from '../../subscribers/csv-export';
import type { ImportReport } from '../../subscribers/csv-import';
import { pathId } from '../api-route';
import { formBody } from '../body';
import type { ConsoleDeps } from './deps';
import { readUploadForm } from './multipart';
import { checkCsrf, consoleLocals, CSRF_FIELD, verifyCsrf } from './session';
import { importView, subscriberListView, subscriberView } from './subscribers-views';
import { consolePage } from './views';

const PAGE = 50;
const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

export function subscribersRouter(c: ConsoleDeps): Router {
  const admin = c.readers.admin;
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
    const body = subscriberListView({ raw, topics, result, error });
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

  const importPage = (res: Response, o: { report?: ImportReport; error?: string; csv?: string; welcome?: boolean } = {}) => {
    const { session } = consoleLocals(res);
    return consolePage(res, {
      title: 'Import subscribers',
      mailbox,
      body: importView(session.csrfToken, { ...o, welcomeOn: c.config.welcomeEmail }),
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
    // Off unless the editor ticks it: imported readers did not just ask for anything.
    const welcome = form.fields.welcome === '1';
    try {
      const report = await c.readers.importer.run(csv, { dryRun, welcome, by: consoleLocals(res).editor });
      // The dry run's file rides along in the "import for real" form, so nothing is uploaded twice.
      res.type('html').send(importPage(res, { report, welcome, csv: dryRun && csv.length <= 1024 * 1024 ? csv : undefined }));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      res.status(err.status).type('html').send(importPage(res, { error: err.message }));
    }
  });

  r.get('/subscribers/:id', async (req, res) => {
    const id = pathId(req.params.id);
    const { session } = consoleLocals(res);
    const [data, deliveries, rollup] = await Promise.all([
      admin.privacyExport(id), c.consoleOverview.subscriberDeliveries(id), c.consoleOverview.subscriberRollup(id),
    ]);
    const s = data.subscriber;
    const body = subscriberView({ id, data, deliveries, rollup, erased: req.query.erased === '1', csrf: session.csrfToken });
    res.type('html').send(consolePage(res, { title: s.email ?? 'Erased subscriber', mailbox, body }));
  });

  r.post('/subscribers/:id/erase', formBody(), verifyCsrf, async (req, res) => {
    const id = pathId(req.params.id);
    if ((req.body as Record<string, unknown>).confirm !== 'yes') throw new ValidationError('Tick the box to confirm the erasure.', 'confirm');
    await admin.erase(id, consoleLocals(res).editor);
    res.redirect(303, `/admin/subscribers/${id}?erased=1`);
  });

  return r;
}
