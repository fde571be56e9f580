/**
 * Editor API for sends (contract: "Editor API"; additions in docs/api.md "## delivery"):
 * start (idempotent), progress, live progress as server-sent events, pause / resume / cancel,
 * delivery listings, resolution of uncertain deliveries, and the report.
 */
import { Router, type Request } from 'express';
import type { Container } from '../app';
import { ValidationError } from '../errors';
import type { Progress } from '../sending/service';
import { jsonBody } from './body';
import { currentEditor, requireEditor } from './editor-auth';

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

const TERMINAL = new Set(['completed', 'cancelled']);

export function sendsApiRouter(c: Container): Router {
  const r = Router();
  const editor = requireEditor(c.editorKeys);
  const sends = c.sending.service;

  r.post('/api/issues/:id/send', editor, async (req, res) => {
    const id = issueId(req);
    const key = idempotencyKey(req);
    const { progress } = await sends.start(id, { idempotencyKey: key, editorId: currentEditor(res.locals).id });
    res.status(202).json(progress);
  });

  r.get('/api/issues/:id/send', editor, async (req, res) => {
    res.json(await sends.progress(issueId(req)));
  });

  r.post('/api/issues/:id/send/pause', editor, async (req, res) => {
    res.json(await sends.pause(issueId(req)));
  });
  r.post('/api/issues/:id/send/resume', editor, async (req, res) => {
    res.json(await sends.resume(issueId(req)));
  });
  r.post('/api/issues/:id/send/cancel', editor, async (req, res) => {
    res.json(await sends.cancel(issueId(req)));
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
    res.json(await sends.resolveUncertain(id, action, ids));
  });

  r.get('/api/issues/:id/send/report', editor, async (req, res) => {
    res.json(await c.sending.report(issueId(req)));
  });

  // Server-sent events: one `progress` event whenever the numbers change (checked every second),
  // a comment line as keep-alive, and the stream ends after the send reaches a final state.
  r.get('/api/issues/:id/send/events', editor, async (req, res) => {
    const id = issueId(req);
    let last = JSON.stringify(await sends.progress(id));
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: 2000\nevent: progress\ndata: ${last}\n\n`);
    let ticks = 0;
    let closed = false;
    const timer = setInterval(() => {
      if (closed) return;
      sends.progress(id).then(
        (p: Progress) => {
          if (closed) return;
          const json = JSON.stringify(p);
          if (json !== last) {
            last = json;
            res.write(`event: progress\ndata: ${json}\n\n`);
          } else if (++ticks % 15 === 0) res.write(': keep-alive\n\n');
          if (TERMINAL.has(p.status)) {
            res.write(`event: end\ndata: ${json}\n\n`);
            stop();
            res.end();
          }
        },
        (err: unknown) => {
          req.log?.warn({ err }, 'progress stream failed');
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
    if (TERMINAL.has(JSON.parse(last).status)) {
      res.write(`event: end\ndata: ${last}\n\n`);
      stop();
      res.end();
    }
  });

  return r;
}
