/**
 * Sending from the console: a confirmation step (readers per variant), the live progress page
 * (server-sent events from the ledger, pause / resume / cancel), and the report of a finished send
 * with failures and uncertain deliveries to resolve. Every action is written to the audit log with
 * the editor's name.
 */
import { Router, type Response } from 'express';
import { NotFoundError } from '../../errors';
import { ConsoleOverview } from '../../editors/overview';
import type { Progress } from '../../sending/service';
import { formBody } from '../body';
import type { ConsoleDeps } from './index';
import { issueIdParam } from './issues';
import { consoleLocals, verifyCsrf } from './session';
import { confirmView, progressView } from './send-views';
import { consolePage } from './views';

const TERMINAL = new Set(['completed', 'cancelled']);

export function sendRouter(deps: ConsoleDeps): Router {
  const { c, audit } = deps;
  const overview = new ConsoleOverview(c.pool, c.queries);
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

  const show = async (res: Response, id: number, note?: string) => {
    const { session } = consoleLocals(res);
    const issue = await c.issues.get(id);
    const progress = await progressOrNone(id);
    if (!progress) {
      const [variants, audience, topics] = await Promise.all([c.variants.ensureVariants(id), overview.audience(), c.topics.list()]);
      res.type('html').send(
        consolePage(res, { title: `Send: ${issue.title}`, mailbox, body: confirmView({ issue, variants, audience, topics, csrf: session.csrfToken }) }),
      );
      return;
    }
    const done = TERMINAL.has(progress.status);
    const [report, uncertain, log] = await Promise.all([
      done ? c.sending.report(id) : undefined,
      progress.uncertain ? sends.listDeliveries(id, 'uncertain', 0, 200) : [],
      audit.forIssue(id),
    ]);
    res.type('html').send(
      consolePage(res, {
        title: `Sending: ${issue.title}`,
        mailbox,
        body: progressView({ issue, progress, report, uncertain: uncertain as UncertainRow[], log, csrf: session.csrfToken, note }),
      }),
    );
  };

  r.get('/issues/:id/send', async (req, res) => {
    const notes: Record<string, string> = {
      started: 'The send has started.', paused: 'Paused.', resumed: 'Resumed.', cancelled: 'Cancelled: nothing more will be sent.',
      resolved: 'Uncertain deliveries resolved.',
    };
    await show(res, issueIdParam(req), notes[String(req.query.done)]);
  });

  r.post('/issues/:id/send', formBody(), verifyCsrf, async (req, res) => {
    const id = issueIdParam(req);
    const { editor } = consoleLocals(res);
    const { created } = await sends.start(id, { editorId: editor.id });
    // A second click (or a second editor) gets the send that already exists, not a second one.
    if (created) await audit.record(editor, 'send.start', { issueId: id });
    res.redirect(303, `/admin/issues/${id}/send?done=started`);
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    r.post(`/issues/:id/send/${action}`, formBody(), verifyCsrf, async (req, res) => {
      const id = issueIdParam(req);
      const { editor } = consoleLocals(res);
      if (action === 'pause') await sends.pause(id, `paused by ${editor.name}`);
      else if (action === 'resume') await sends.resume(id);
      else await sends.cancel(id);
      await audit.record(editor, `send.${action}`, { issueId: id });
      res.redirect(303, `/admin/issues/${id}/send?done=${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled'}`);
    });
  }

  r.post('/issues/:id/send/resolve', formBody(), verifyCsrf, async (req, res) => {
    const id = issueIdParam(req);
    const { editor } = consoleLocals(res);
    const body = req.body as Record<string, string | string[] | undefined>;
    const action = body.action === 'resend' ? 'resend' : 'mark-sent';
    const raw = Array.isArray(body.ids) ? body.ids : body.ids ? [body.ids] : [];
    const ids = raw.filter((v) => /^[1-9]\d{0,14}$/.test(v)).map(Number);
    const target = body.all === '1' ? 'all' : ids;
    if (target !== 'all' && !target.length) return res.redirect(303, `/admin/issues/${id}/send#uncertain`);
    const { resolved } = await sends.resolveUncertain(id, action, target);
    await audit.record(editor, 'send.resolve', { issueId: id, detail: `${action}: ${resolved} deliveries` });
    res.redirect(303, `/admin/issues/${id}/send?done=resolved`);
  });

  // Live progress for the progress bar: an event whenever the ledger's numbers change (checked
  // every second), a keep-alive comment now and then, and an `end` event once the send is final.
  r.get('/issues/:id/send/events', async (req, res) => {
    const id = issueIdParam(req);
    let last = JSON.stringify(await sends.progress(id));
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: 2000\nevent: progress\ndata: ${last}\n\n`);
    let closed = false;
    let ticks = 0;
    const finish = (json: string) => {
      res.write(`event: end\ndata: ${json}\n\n`);
      stop();
      res.end();
    };
    const timer = setInterval(() => {
      if (closed) return;
      sends.progress(id).then(
        (p) => {
          if (closed) return;
          const json = JSON.stringify(p);
          if (json !== last) res.write(`event: progress\ndata: ${(last = json)}\n\n`);
          else if (++ticks % 15 === 0) res.write(': keep-alive\n\n');
          if (TERMINAL.has(p.status)) finish(json);
        },
        (err: unknown) => {
          req.log?.warn({ err }, 'console progress stream failed');
          stop();
          res.end();
        },
      );
    }, 1000);
    const stop = () => {
      closed = true;
      clearInterval(timer);
    };
    req.on('close', stop);
    if (TERMINAL.has((JSON.parse(last) as Progress).status)) finish(last);
  });

  return r;
}

export interface UncertainRow {
  id: number;
  subscriber_id: number;
  email: string | null;
  topics: string;
  attempts: number;
  smtp_code: number | null;
  error: string | null;
  claimed_at: Date | null;
}
