/** POST /api/subscriptions: the JSON twin of the subscribe form, through the same service. */
import { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { apiRoute, mountApi } from './api-route';
import { jsonBody } from './body';
import { corsFor } from './embed';
import { clientKey, consentContext } from './reader-context';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'readers'>;

/** The shape only: the readers service checks the address, the name and the topics themselves. */
const subscriptionBody = z.strictObject(
  {
    email: z.string({ error: 'Enter your email address.' }).meta({ description: 'One address, like name@example.com.' }),
    name: z.string({ error: 'The name must be text.' }).nullable().optional(),
    topics: z.array(z.string({ error: 'topics must be a list of topic names.' }), { error: 'topics must be a list of topic names.' }),
    timezone: z.string({ error: 'timezone must be an IANA time zone name such as Europe/Brussels.' }).nullable().optional()
      .meta({ description: 'The reader’s IANA time zone (local-time deliveries); DEFAULT_TIMEZONE when left out.' }),
  },
  { error: 'The body must be a JSON object.' },
);

export const subscribeRoute = (deps: Deps) =>
  apiRoute({
    method: 'post',
    path: '/api/subscriptions',
    summary: 'Subscribe: a confirmation email is sent where one is due; the answer is the same for every valid request.',
    auth: 'public',
    // Counted before the body is read: a client cannot probe for free with malformed requests.
    guard: (req) => deps.readers.subscriptions.limitClient(clientKey(req)),
    body: { types: ['application/json'], parse: jsonBody('16kb'), schema: subscriptionBody },
    codes: { email: 'invalid_email', name: 'invalid_name', topics: 'invalid_topics', timezone: 'invalid_timezone' },
    responses: { 202: { description: 'Accepted (pending confirmation).', schema: z.object({ status: z.literal('pending') }) } },
    errors: [422, 429],
    handler: async ({ body, req }) => {
      await deps.readers.subscriptions.subscribe({ email: body.email, name: body.name, topics: body.topics, timezone: body.timezone }, consentContext(req, 'api'));
      return { status: 202, json: { status: 'pending' } };
    },
  });

export function readerApiRouter(deps: Deps): Router {
  const r = Router();
  // Preflight and CORS headers for the publishers' sites in ALLOWED_ORIGINS only (src/http/embed.ts).
  r.use('/api/subscriptions', corsFor(deps.config.allowedOrigins, 'POST'));
  mountApi(r, [subscribeRoute(deps)], { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
