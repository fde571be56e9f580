/** POST /api/subscriptions: the JSON twin of the subscribe form, through the same service. */
import { Router } from 'express';
import type { Container } from '../app';
import { BadRequestError, ValidationError } from '../errors';
import { jsonBody } from './body';
import { clientKey, consentContext } from './reader-context';

const FIELDS = new Set(['email', 'name', 'topics']);

export function readerApiRouter(c: Container): Router {
  const r = Router();
  r.post('/api/subscriptions', ...jsonBody('16kb'), async (req, res) => {
    await c.readers.subscriptions.limitClient(clientKey(req));
    const body: unknown = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestError('The body must be a JSON object.', undefined, 'bad_body');
    }
    // Own keys only (JSON.parse makes "__proto__" an own key, so it is caught here too).
    const unknown = Object.keys(body).find((k) => !FIELDS.has(k));
    if (unknown !== undefined) throw new ValidationError(`Unknown field: ${unknown.slice(0, 40)}.`, unknown.slice(0, 40), 'unknown_field');
    const b = body as { email?: unknown; name?: unknown; topics?: unknown };
    if (!Array.isArray(b.topics)) throw new ValidationError('topics must be a list of topic names.', 'topics', 'invalid_topics');
    await c.readers.subscriptions.subscribe({ email: b.email, name: b.name, topics: b.topics }, consentContext(req, 'api'));
    res.status(202).json({ status: 'pending' });
  });
  return r;
}
