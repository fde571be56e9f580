/**
 * Editor API for sends (contract: "Editor API"; additions in docs/api.md "## delivery"):
 * start (idempotent), progress, live progress as server-sent events, pause / resume / cancel,
 * delivery listings, resolution of uncertain deliveries, the report and the audit log of the send.
 * The service records each action with the editor who took it (the console goes the same way).
 */
import { Router, type Request } from 'express';
import type { Container } from '../app';
import { ValidationError } from '../errors';
import { jsonBody } from './body';
import { currentEditor, requireEditor } from './editor-auth';
import { writeEventStream } from './sse';

function issueId(req: Request): number {
  const v = String(req.params.id);
  if (!/^[1-9]\d{0,14}$/.test(v)) throw new ValidationError('id must be a positive integer.', 'id');
  return Number(v);
}

function idempotencyKey(req: Request): string | undefined {
  const v = req.get('idempotency-key');
  if (v === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(v)) {
    throw new ValidationError('Idempotency-Key must be 1–200 visible ASCII characters.', 'Idempotency-Key');
  }
  return v;
}

function intQuery(v: unknown, field: string, def: number, min: number, max: number): number {
  if (v === undefined || v === '') return def;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ValidationError(`${field} must be a whole number between ${min} and ${max}.`, field);
  }
  return Number(v);
}

function parseResolve(body: unknown): { action: 'mark-sent' | 'resend'; ids: number[] | 'all' } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.action !== 'mark-sent' && b.action !== 'resend') {
    throw new ValidationError('action must be "mark-sent" or "resend".', 'action');
  }
  if (b.all === true && b.ids === undefined) return { action: b.action, ids: 'all' };
  if (!Array.isArray(b.ids) || b.ids.length === 0 || b.ids.length > 10000 || !b.ids.every((x) => Number.isSafeInteger(x) && (x as number) > 0)) {
    throw new ValidationError('Give ids (a non-empty array of delivery ids) or all: true.', 'ids');
  }
  return { action: b.action, ids: b.ids as number[] };
}

export function sendsApiRouter(c: Container): Router {
  const r = Router();
  const editor = requireEditor(c.editorAuth);
  const sends = c.sending.service;

  r.post('/api/issues/:id/send', editor, async (req, res) => {
    const id = issueId(req);
    const key = idempotencyKey(req);
    const { progress } = await sends.start(id, currentEditor(res.locals), { idempotencyKey: key });
    res.status(202).json(progress);
  });

  r.get('/api/issues/:id/send', editor, async (req, res) => {
    res.json(await sends.progress(issueId(req)));
  });

  r.post('/api/issues/:id/send/pause', editor, async (req, res) => {
    res.json(await sends.pause(issueId(req), currentEditor(res.locals)));
  });
  r.post('/api/issues/:id/send/resume', editor, async (req, res) => {
    res.json(await sends.resume(issueId(req), currentEditor(res.locals)));
  });
  r.post('/api/issues/:id/send/cancel', editor, async (req, res) => {
    res.json(await sends.cancel(issueId(req), currentEditor(res.locals)));
  });

  r.get('/api/issues/:id/send/deliveries', editor, async (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : 'uncertain';
    const after = intQuery(req.query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intQuery(req.query.limit, 'limit', 100, 1, 1000);
    const deliveries = await sends.listDeliveries(issueId(req), status, after, limit);
    res.json({ deliveries, next_after: deliveries.length === limit ? (deliveries.at(-1) as { id: number }).id : null });
  });

  r.post('/api/issues/:id/send/uncertain/resolve', editor, ...jsonBody(), async (req, res) => {
    const id = issueId(req);
    const { action, ids } = parseResolve(req.body);
    res.json(await sends.resolveUncertain(id, currentEditor(res.locals), action, ids));
  });

  r.get('/api/issues/:id/send/report', editor, async (req, res) => {
    res.json(await c.sending.report(issueId(req)));
  });

  r.get('/api/issues/:id/send/audit', editor, async (req, res) => {
    const id = issueId(req);
    await sends.progress(id); // 404 before a send exists, like every other …/send path
    const entries = await c.audit.forIssue(id, { prefix: 'send.', limit: 500 });
    res.json({
      actions: entries.map((e) => ({ id: e.id, editor: e.editor_name, action: e.action, detail: e.detail, created_at: e.created_at })),
    });
  });

  // Server-sent events: one `progress` event whenever the numbers change (checked every second),
  // keep-alive comments, and an `end` event once the send is final, then the stream closes.
  r.get('/api/issues/:id/send/events', editor, async (req, res) => {
    const id = issueId(req);
    await writeEventStream(res, (signal) => sends.watchProgress(id, signal), { event: 'progress', log: req.log });
  });

  return r;
}
