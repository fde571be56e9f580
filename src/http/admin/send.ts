/**
 * Sending from the console: a confirmation step (readers per variant), the live progress page
 * (server-sent events from the ledger, pause / resume / cancel), and the report of a finished send
 * with failures and uncertain deliveries to resolve. The sending service writes every action to the
 * audit log with the editor's name (the JSON API goes through the same calls).
 */
import { Router, type Response } from 'express';
import { AppError, NotFoundError } from '../../errors';
import type { Progress } from '../../sending/service';
import { isFinal } from '../../sending/status';
import { pathId } from '../api-route';
import { formBody } from '../body';
import { writeEventStream } from '../sse';
import type { ConsoleDeps } from './deps';
import { consoleLocals, verifyCsrf } from './session';
import { confirmView, progressView, type UncertainRow } from './send-views';
import { requestOf } from './schedule';
import { scheduleForms, waitingView, zonesView } from './schedule-views';
import { consolePage, notice } from './views';
import { scheduleView } from '../../sending/schedule';
import { html } from '../html';

export function sendRouter(c: ConsoleDeps): Router {
  const sends = c.sending.service;
  const r = Router();
  const mailbox = !!c.mailbox;

  /** The send's progress, or undefined when the issue was never sent. */
  const progressOrNone = async (id: number): Promise<Progress | undefined> => {
    try {
      return await sends.progress(id);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };

  const show = async (res: Response, id: number, note?: string, error?: string) => {
    const { session } = consoleLocals(res);
    const issue = await c.issues.get(id);
    const progress = await progressOrNone(id);
    const defaultZone = c.config.schedule.defaultTimezone;
    const problem = error ? html`<div class="errors" role="alert"><p><strong>There is a problem:</strong> ${error}</p></div>` : '';
    const waiting = progress ? undefined : await c.sending.schedules.get(id);
    if (waiting && ['scheduled', 'starting', 'missed'].includes(waiting.status)) {
      const body = waitingView({ issueId: id, schedule: scheduleView(waiting), csrf: session.csrfToken, defaultZone });
      res.type('html').send(consolePage(res, { title: `Scheduled: ${issue.title}`, mailbox, body: html`<h1>${issue.title}</h1>${problem}${notice(note)}${body}` }));
      return;
    }
    if (!progress) {
      const [variants, audience, topics] = await Promise.all([c.variants.ensureVariants(id), c.consoleOverview.audience(), c.topics.list()]);
      res.type('html').send(
        consolePage(res, { title: `Send: ${issue.title}`, mailbox, body: html`${problem}${notice(note)}${confirmView({ issue, variants, audience, topics, csrf: session.csrfToken, later: scheduleForms(id, session.csrfToken, defaultZone) })}` }),
      );
      return;
    }
    const done = isFinal(progress.status);
    const [report, uncertain, log, zones] = await Promise.all([
      done ? c.sending.reports.report(id) : undefined,
      progress.uncertain ? sends.listDeliveries(id, 'uncertain', 0, 200) : [],
      c.audit.forIssue(id),
      c.sending.zones.progress(progress.send_id),
    ]);
    res.type('html').send(
      consolePage(res, {
        title: `Sending: ${issue.title}`,
        mailbox,
        body: progressView({ issue, progress, report, uncertain: uncertain as UncertainRow[], log, csrf: session.csrfToken, note, zones: zonesView(zones) }),
      }),
    );
  };

  r.get('/issues/:id/send', async (req, res) => {
    const notes: Record<string, string> = {
      started: 'The send has started.', paused: 'Paused.', resumed: 'Resumed.', cancelled: 'Cancelled: nothing more will be sent.',
      resolved: 'Uncertain deliveries resolved.', scheduled: 'Scheduled.', unscheduled: 'The schedule is cancelled; the issue is a draft again.',
    };
    await show(res, pathId(req.params.id), notes[String(req.query.done)]);
  });

  r.post('/issues/:id/send', formBody(), verifyCsrf, async (req, res) => {
    const id = pathId(req.params.id);
    const { editor } = consoleLocals(res);
    // A second click (or a second editor) gets the send that already exists, not a second one.
    await c.sending.schedules.sendNow(id, editor, {});
    res.redirect(303, `/admin/issues/${id}/send?done=started`);
  });

  // A refused schedule (in the past, a bad date) shows the page again with the problem announced.
  r.post('/issues/:id/send/schedule', formBody(), verifyCsrf, async (req, res) => {
    const id = pathId(req.params.id);
    const { editor } = consoleLocals(res);
    try {
      await c.sending.schedules.schedule(id, editor, requestOf(req.body as Record<string, unknown>, c.config.schedule.defaultTimezone));
    } catch (err) {
      if (!(err instanceof AppError) || (err.status !== 409 && err.status !== 422)) throw err;
      res.status(err.status);
      return show(res, id, undefined, err.message);
    }
    res.redirect(303, `/admin/issues/${id}/send?done=scheduled`);
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    r.post(`/issues/:id/send/${action}`, formBody(), verifyCsrf, async (req, res) => {
      const id = pathId(req.params.id);
      const { editor } = consoleLocals(res);
      // Cancel takes back a waiting schedule first (the issue is a draft again), else stops the send.
      if (action === 'cancel' && (await c.sending.schedules.cancel(id, editor))) return res.redirect(303, `/admin/issues/${id}/send?done=unscheduled`);
      await sends[action](id, editor);
      res.redirect(303, `/admin/issues/${id}/send?done=${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled'}`);
    });
  }

  r.post('/issues/:id/send/resolve', formBody(), verifyCsrf, async (req, res) => {
    const id = pathId(req.params.id);
    const { editor } = consoleLocals(res);
    const body = req.body as Record<string, string | string[] | undefined>;
    const action = body.action === 'resend' ? 'resend' : 'mark-sent';
    const raw = Array.isArray(body.ids) ? body.ids : body.ids ? [body.ids] : [];
    const ids = raw.filter((v) => /^[1-9]\d{0,14}$/.test(v)).map(Number);
    const target = body.all === '1' ? 'all' : ids;
    if (target !== 'all' && !target.length) return res.redirect(303, `/admin/issues/${id}/send#uncertain`);
    await sends.resolveUncertain(id, editor, action, target);
    res.redirect(303, `/admin/issues/${id}/send?done=resolved`);
  });

  // Live progress for the progress bar, from the same watch as the API's event stream.
  r.get('/issues/:id/send/events', async (req, res) => {
    const id = pathId(req.params.id);
    await writeEventStream(res, (signal) => sends.watchProgress(id, signal), { event: 'progress', log: req.log });
  });

  return r;
}
