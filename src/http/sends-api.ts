/**
 * Editor API for sends (contract: "Editor API"; additions in docs/api.md "## delivery"):
 * start (idempotent), progress, live progress as server-sent events, pause / resume / cancel,
 * delivery listings, resolution of uncertain deliveries, the report and the audit log of the send.
 * The service records each action with the editor who took it (the console goes the same way).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { DELIVERY_STATUSES } from '../sending/status';
import { apiRoute, idParam, intQuery, mountApi } from './api-route';
import { NotFoundError } from '../errors';
import { scheduleView } from '../sending/schedule';
import type { Progress } from '../sending/service';
import { auditActions, delivery, progress, scheduledSend, sendReport, topicDeliverability } from './api-schemas';
import { jsonBody, optionalJsonBody } from './body';
import { scheduleRequest, sendBody } from './send-body';
import { writeEventStream } from './sse';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'sending' | 'audit' | 'deliverability'>;

const params = z.object({ id: idParam });
const progressAnswer = { 200: { description: 'The send’s progress.', schema: progress } };
const progressOrSchedule = z.union([progress, scheduledSend]);

const idempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, { error: 'Idempotency-Key must be 1–200 visible ASCII characters.' })
    .optional(),
});

const IDS = 'Give ids (a non-empty array of delivery ids) or all: true.';
const resolveBody = z
  .object({
    action: z.enum(['mark-sent', 'resend'], { error: 'action must be "mark-sent" or "resend".' }),
    ids: z.array(z.number({ error: IDS }).int({ error: IDS }).positive({ error: IDS }), { error: IDS }).min(1, { error: IDS }).max(10000, { error: IDS }).optional(),
    all: z.unknown().optional().meta({ description: 'true (and no ids): every uncertain delivery of the send' }),
  }, { error: 'The body must be a JSON object.' })
  .superRefine((b, ctx) => {
    if (b.ids === undefined && b.all !== true) ctx.addIssue({ code: 'custom', path: ['ids'], message: IDS });
  });

export function sendsApiRoutes(deps: Deps) {
  const sends = deps.sending.service;
  const { schedules, zones } = deps.sending;
  // A local-time send's progress also shows its zones.
  const withZones = async (p: Progress) => {
    const z = await zones.progress(p.send_id);
    return z ? { ...p, zones: z } : p;
  };
  const control = (action: 'pause' | 'resume' | 'cancel', summary: string) =>
    apiRoute({
      method: 'post', path: `/api/issues/:id/send/${action}`, summary, auth: 'editor', params,
      responses: progressAnswer, errors: [404, 409],
      handler: async ({ params: p, editor }) => ({ status: 200, json: await sends[action](p.id, editor) }),
    });
  return [
    apiRoute({
      method: 'post', path: '/api/issues/:id/send', auth: 'editor', params, headers: idempotencyKey,
      summary: 'Start the send now (never a second one for the issue), or schedule it: {at} or {local_time, date} in each reader’s zone.',
      body: { types: ['application/json'], parse: optionalJsonBody(), schema: sendBody },
      responses: { 202: { description: 'Started (or the send that already exists), or scheduled.', schema: progressOrSchedule } }, errors: [404, 409],
      handler: async ({ params: p, headers, body, editor }) => {
        const key = headers['idempotency-key'];
        const req = scheduleRequest(body);
        if (req) return { status: 202, json: await schedules.schedule(p.id, editor, req, { idempotencyKey: key }) };
        const { progress: answer } = await schedules.sendNow(p.id, editor, { idempotencyKey: key });
        return { status: 202, json: await withZones(answer) };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id/send', summary: 'Progress of the send, or its schedule while it waits.', auth: 'editor', params,
      responses: { 200: { description: 'The send’s progress (with its zones), or the schedule.', schema: progressOrSchedule } }, errors: [404],
      handler: async ({ params: p }) => {
        try {
          return { status: 200, json: await withZones(await sends.progress(p.id)) };
        } catch (err) {
          const waiting = err instanceof NotFoundError ? await schedules.get(p.id) : undefined;
          if (!waiting || !['scheduled', 'starting', 'missed'].includes(waiting.status)) throw err;
          return { status: 200, json: scheduleView(waiting) };
        }
      },
    }),
    control('pause', 'Pause the send.'),
    control('resume', 'Resume a paused send.'),
    apiRoute({
      method: 'post', path: '/api/issues/:id/send/cancel', auth: 'editor', params,
      summary: 'Cancel a waiting schedule (the issue is a draft again), or the running send: nothing more is sent, remaining zones included.',
      responses: { 200: { description: 'The cancelled schedule, or the send’s progress.', schema: progressOrSchedule } }, errors: [404, 409],
      handler: async ({ params: p, editor }) => {
        const unscheduled = await schedules.cancel(p.id, editor);
        return { status: 200, json: unscheduled ?? (await withZones(await sends.cancel(p.id, editor))) };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id/send/deliveries', summary: 'Ledger rows of one status, by id.', auth: 'editor', params,
      query: z.object({
        status: z.enum(DELIVERY_STATUSES, { error: `status must be one of ${DELIVERY_STATUSES.join(', ')}.` }).default('uncertain'),
        after: intQuery('after', 0, 0, Number.MAX_SAFE_INTEGER),
        limit: intQuery('limit', 100, 1, 1000),
      }),
      responses: { 200: { description: 'One page; next_after continues.', schema: z.object({ deliveries: z.array(delivery), next_after: z.number().int().nullable() }) } },
      errors: [404],
      handler: async ({ params: p, query }) => {
        const limit = query.limit!;
        const deliveries = (await sends.listDeliveries(p.id, query.status, query.after, limit)) as { id: number }[];
        return { status: 200, json: { deliveries, next_after: deliveries.length === limit ? deliveries.at(-1)!.id : null } };
      },
    }),
    apiRoute({
      method: 'post', path: '/api/issues/:id/send/uncertain/resolve', summary: 'Resolve uncertain deliveries: mark them sent, or send them again.',
      auth: 'editor', params, body: { types: ['application/json'], parse: jsonBody(), schema: resolveBody },
      responses: { 200: { description: 'How many were resolved.', schema: z.object({ resolved: z.number().int().nonnegative(), progress }) } },
      errors: [404, 409],
      handler: async ({ params: p, body, editor }) => ({
        status: 200,
        json: await sends.resolveUncertain(p.id, editor, body.action, body.ids === undefined ? 'all' : body.ids),
      }),
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id/send/report', summary: 'Counts per variant and topic, failure reasons, bounces.', auth: 'editor', params,
      responses: { 200: { description: 'The report.', schema: sendReport } }, errors: [404],
      handler: async ({ params: p }) => ({ status: 200, json: await deps.sending.reports.report(p.id) }),
    }),
    apiRoute({
      method: 'get', path: '/api/deliverability/topics', summary: 'Hard bounces, soft bounces and complaints per topic across every send, with rates.', auth: 'editor',
      responses: { 200: { description: 'One entry per topic that was ever sent.', schema: topicDeliverability } }, errors: [],
      handler: async () => ({ status: 200, json: { topics: await deps.deliverability.reports.byTopic() } }),
    }),
    apiRoute({
      method: 'get', path: '/api/issues/:id/send/audit', summary: 'Who started, paused, resumed, cancelled or resolved the send.', auth: 'editor', params,
      responses: { 200: { description: 'Newest first.', schema: auditActions } }, errors: [404],
      handler: async ({ params: p }) => {
        await sends.progress(p.id); // 404 before a send exists, like every other …/send path
        const entries = await deps.audit.forIssue(p.id, { prefix: 'send.', limit: 500 });
        return { status: 200, json: { actions: entries.map((e) => ({ id: e.id, editor: e.editor_name, action: e.action, detail: e.detail, created_at: e.created_at })) } };
      },
    }),
    // Server-sent events: one `progress` event whenever the numbers change (checked every second),
    // keep-alive comments, and an `end` event once the send is final, then the stream closes.
    apiRoute({
      method: 'get', path: '/api/issues/:id/send/events', summary: 'Live progress as server-sent events.', auth: 'editor', params,
      responses: { 200: { description: '`progress` events (SendProgress as data), then `end`.', schema: null, contentType: 'text/event-stream' } },
      errors: [404],
      handler: async ({ params: p, req, res }) => {
        await writeEventStream(res, (signal) => sends.watchProgress(p.id, signal), { event: 'progress', log: req.log });
        return undefined;
      },
    }),
  ];
}

export function sendsApiRouter(deps: Deps): Router {
  const r = Router();
  mountApi(r, sendsApiRoutes(deps), { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
