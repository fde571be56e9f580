/**
 * POST /webhooks/bounces — bounce and complaint reports from the relay, JSON
 * `{email, type: "hard"|"soft"|"complaint", reason?}`, signed with BOUNCE_WEBHOOK_SECRET:
 *
 *   X-Tidings-Timestamp: <unix seconds>
 *   X-Tidings-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * The signature covers the raw bytes (not re-serialised JSON) and the timestamp, and a timestamp
 * more than five minutes away is refused, so a captured request cannot be replayed later; within
 * those five minutes the same signature is accepted once, a replay answers 409 and records nothing
 * (src/sending/webhook-replays.ts).
 * Without a configured secret the endpoint answers 404: an unsigned bounce feed would let anyone
 * suppress any address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { Container } from '../container';
import { BadRequestError, NotFoundError, UnauthorizedError } from '../errors';
import { bounceEvent, parseBounce } from '../deliverability/json-webhook';
import { requireContentType } from './body';

export const SIGNATURE_HEADER = 'x-tidings-signature';
export const TIMESTAMP_HEADER = 'x-tidings-timestamp';
const TOLERANCE_SECONDS = 300;

export function signBounce(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function webhooksRouter(c: Pick<Container, 'config' | 'deliverability'>, now: () => number = Date.now): Router {
  const r = Router();
  const secret = c.config.bounceWebhookSecret;

  r.post(
    '/webhooks/bounces',
    (_req, _res, next) => next(secret ? undefined : new NotFoundError('Bounce webhook is not configured.')),
    requireContentType(['application/json']),
    express.raw({ type: 'application/json', limit: '20kb' }),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const ts = req.get(TIMESTAMP_HEADER) ?? '';
      const sig = req.get(SIGNATURE_HEADER) ?? '';
      if (!/^\d{1,12}$/.test(ts) || Math.abs(now() / 1000 - Number(ts)) > TOLERANCE_SECONDS) {
        throw new UnauthorizedError('Missing or stale signature timestamp.');
      }
      const expected = Buffer.from(signBounce(secret!, Number(ts), raw));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new UnauthorizedError('Bad signature.');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new BadRequestError('The request body is not valid JSON.', undefined, 'invalid_json');
      }
      const [result] = await c.deliverability.service.record([bounceEvent(parseBounce(body), new Date(now()))], {
        trustAddress: true,
        replay: { endpoint: 'bounces', key: sig, expiresAt: new Date((Number(ts) + TOLERANCE_SECONDS) * 1000), now: new Date(now()) },
      });
      res.status(200).json({ accepted: true, suppressed: result?.suppressed ?? false });
    },
  );
  return r;
}
