/** Editor API for outgoing webhooks: register (secret shown once), list, one with its failures, delete, enable. */
import { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { WEBHOOK_EVENTS } from '../webhooks/emit';
import type { WebhookEndpoint } from '../webhooks/endpoints';
import { apiRoute, idParam, mountApi } from './api-route';
import { jsonBody } from './body';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'webhooks'>;

const params = z.object({ id: idParam });
const timestamp = z.iso.datetime();
const EVENTS = `events must be a list of: ${WEBHOOK_EVENTS.join(', ')}.`;

export const webhookEndpoint = z
  .object({
    id: z.number().int().positive(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    createdAt: timestamp,
    failingSince: timestamp.nullable().meta({ description: 'The first failure since the last success.' }),
    disabledAt: timestamp.nullable().meta({ description: 'Set when the endpoint failed for WEBHOOK_DISABLE_AFTER (a day); nothing is delivered until it is enabled.' }),
    disabledReason: z.string().nullable(),
    pending: z.number().int().nonnegative(),
    delivered: z.number().int().nonnegative(),
  })
  .meta({ id: 'WebhookEndpoint' });

const failure = z.object({
  eventId: z.string(), type: z.string(), attempts: z.number().int().nonnegative(), lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(), lastAttemptAt: timestamp.nullable(), nextAttemptAt: timestamp,
});

const createBody = z.strictObject(
  {
    url: z.string({ error: 'url must be an https URL.' }).max(2000, { error: 'The webhook URL is too long.' }),
    events: z.array(z.string({ error: EVENTS }), { error: EVENTS }).min(1, { error: EVENTS }).max(WEBHOOK_EVENTS.length * 2, { error: EVENTS }),
  },
  { error: 'The body must be a JSON object.' },
);

function json(e: WebhookEndpoint) {
  return {
    id: e.id, url: e.url, events: e.events, createdAt: e.created_at, failingSince: e.failing_since, disabledAt: e.disabled_at,
    disabledReason: e.disabled_reason, pending: e.pending, delivered: e.delivered,
  };
}

export function webhooksApiRoutes(deps: Deps) {
  const endpoints = deps.webhooks.endpoints;
  return [
    apiRoute({
      method: 'post', path: '/api/webhooks', auth: 'editor',
      summary: 'Register an endpoint; the answer holds its signing secret, shown this once.',
      body: { types: ['application/json'], parse: jsonBody('16kb'), schema: createBody },
      codes: { url: 'invalid_url', events: 'invalid_events' },
      responses: { 201: { description: 'Registered.', schema: webhookEndpoint.extend({ secret: z.string().meta({ description: 'whsec_…: the HMAC key of X-Tidings-Signature. Not shown again.' }) }) } },
      errors: [409, 422],
      handler: async ({ body, editor }) => {
        const { endpoint, secret } = await endpoints.create(body, editor);
        return { status: 201, json: { ...json(endpoint), secret } };
      },
    }),
    apiRoute({
      method: 'get', path: '/api/webhooks', summary: 'Every endpoint, with its pending and delivered counts.', auth: 'editor',
      responses: { 200: { description: 'The endpoints.', schema: z.object({ webhooks: z.array(webhookEndpoint) }) } }, errors: [],
      handler: async () => ({ status: 200, json: { webhooks: (await endpoints.list()).map(json) } }),
    }),
    apiRoute({
      method: 'get', path: '/api/webhooks/:id', summary: 'One endpoint and its recent failed deliveries (still pending).', auth: 'editor', params,
      responses: { 200: { description: 'The endpoint.', schema: webhookEndpoint.extend({ failures: z.array(failure) }) } }, errors: [404],
      handler: async ({ params: p }) => {
        const [endpoint, failures] = await Promise.all([endpoints.get(p.id), endpoints.failures(p.id)]);
        const list = failures.map((f) => ({
          eventId: `evt_${f.event_id}`, type: f.type, attempts: f.attempts, lastStatus: f.last_status, lastError: f.last_error,
          lastAttemptAt: f.last_attempt_at, nextAttemptAt: f.next_attempt_at,
        }));
        return { status: 200, json: { ...json(endpoint), failures: list } };
      },
    }),
    apiRoute({
      method: 'post', path: '/api/webhooks/:id/enable', summary: 'Deliver to a disabled endpoint again (its pending events first).', auth: 'editor', params,
      responses: { 200: { description: 'Enabled.', schema: webhookEndpoint } }, errors: [404],
      handler: async ({ params: p, editor }) => ({ status: 200, json: json(await endpoints.enable(p.id, editor)) }),
    }),
    apiRoute({
      method: 'delete', path: '/api/webhooks/:id', summary: 'Delete an endpoint and its undelivered events.', auth: 'editor', params,
      responses: { 200: { description: 'Deleted.', schema: z.object({ id: z.number().int().positive(), deleted: z.literal(true) }) } }, errors: [404],
      handler: async ({ params: p, editor }) => {
        await endpoints.delete(p.id, editor);
        return { status: 200, json: { id: p.id, deleted: true as const } };
      },
    }),
  ];
}

export function webhooksApiRouter(deps: Deps): Router {
  const r = Router();
  mountApi(r, webhooksApiRoutes(deps), { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
