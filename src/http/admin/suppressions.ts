/**
 * Console page for the suppression list: counts by reason, search (an address is hashed before the
 * look-up), a lift with a note per row, CSV export and import — through the same services as
 * /api/suppressions, so both are audited alike.
 */
import { Router, type Response } from 'express';
import { AppError, ValidationError } from '../../errors';
import type { SuppressionImportReport } from '../../subscribers/suppression-transfer';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../../subscribers/suppressions';
import { pathId } from '../api-route';
import { formBody } from '../body';
import type { ConsoleDeps } from './deps';
import { readUploadForm } from './multipart';
import { checkCsrf, consoleLocals, CSRF_FIELD, verifyCsrf } from './session';
import { suppressionsView } from './suppressions-views';
import { consolePage } from './views';

const PAGE = 50;
const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const asReason = (v: string): SuppressionReason | undefined => (SUPPRESSION_REASONS as readonly string[]).includes(v) ? (v as SuppressionReason) : undefined;

export function suppressionsRouter(c: ConsoleDeps): Router {
  const r = Router();
  const mailbox = !!c.mailbox;

  const render = async (res: Response, raw: { q: string; reason: string; before: string }, extra: { lifted?: boolean; error?: string; report?: SuppressionImportReport } = {}) => {
    const before = /^\d{1,15}$/.test(raw.before) ? Number(raw.before) : undefined;
    const [rows, counts] = await Promise.all([
      c.suppressions.list({ reason: asReason(raw.reason), q: raw.q.slice(0, 320), before, limit: PAGE }),
      c.suppressions.counts(),
    ]);
    const body = suppressionsView({
      raw: { q: raw.q, reason: raw.reason }, counts, rows, nextBefore: rows.length === PAGE ? rows.at(-1)!.id : null,
      csrf: consoleLocals(res).session.csrfToken, lifted: extra.lifted ?? false, error: extra.error, report: extra.report,
    });
    res.type('html').send(consolePage(res, { title: 'Suppressions', mailbox, body }));
  };

  r.get('/suppressions', async (req, res) => {
    await render(res, { q: str(req.query.q), reason: str(req.query.reason), before: str(req.query.before) }, { lifted: req.query.lifted === '1' });
  });

  r.get('/suppressions/export', async (_req, res) => {
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="suppressions.csv"');
    for await (const chunk of c.suppressionTransfer.exportCsv()) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  r.post('/suppressions/import', async (req, res) => {
    const form = await readUploadForm(req, IMPORT_MAX_BYTES);
    checkCsrf(res, form.fields[CSRF_FIELD]);
    const csv = form.file?.text ?? '';
    const none = { q: '', reason: '', before: '' };
    if (!csv.trim()) return render(res.status(422), none, { error: 'Choose a CSV file.' });
    try {
      const report = await c.suppressionTransfer.import(csv, { reason: asReason(str(form.fields.reason)), by: consoleLocals(res).editor });
      await render(res, none, { report });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      await render(res.status(err.status), none, { error: err.message });
    }
  });

  r.post('/suppressions/:id/lift', formBody(), verifyCsrf, async (req, res) => {
    const id = pathId(req.params.id);
    const note = str((req.body as Record<string, unknown>).note).trim();
    if (!note) throw new ValidationError('Say why the address may be mailed again.', 'note');
    await c.suppressions.liftByEditor(id, note.slice(0, 500), consoleLocals(res).editor);
    res.redirect(303, '/admin/suppressions?lifted=1');
  });

  return r;
}
