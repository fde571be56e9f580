/**
 * Provider webhooks, each in its provider's documented shape and verified with its own scheme
 * (src/deliverability/providers/): the events go to the one bounce/complaint service, with the
 * request's replay key claimed in the same transaction (a replay: 409, nothing recorded).
 *
 *   POST /webhooks/ses        Amazon SES notifications via an SNS HTTPS subscription
 *   POST /webhooks/mailgun    Mailgun webhooks (signature object in the JSON body)
 *   POST /webhooks/postmark   Postmark bounce / spam-complaint webhooks (HTTP Basic credentials)
 *   POST /webhooks/sendgrid   SendGrid's signed event webhook
 *
 * A provider that is not configured answers 404, like /webhooks/bounces without its secret.
 */
import express, { Router, type Request, type Response } from 'express';
import type { Container } from '../container';
import type { ProviderResult } from '../deliverability/providers/common';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from '../deliverability/providers/sendgrid';
import { NotFoundError } from '../errors';

type Deps = Pick<Container, 'deliverability' | 'log'>;

/** How long a replay key is remembered: at least the provider's own freshness window. */
const WINDOW_SECONDS = { ses: 3600 + 300, mailgun: 300, postmark: 30 * 24 * 3600, sendgrid: 600 } as const;
type Provider = keyof typeof WINDOW_SECONDS;

// Bodies are read raw (signatures cover the bytes); SNS posts text/plain, the others JSON.
const raw = express.raw({ type: () => true, limit: '1mb' });

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function providerWebhooksRouter(c: Deps, now: () => number = Date.now): Router {
  const r = Router();
  const p = c.deliverability.providers;

  async function accept(res: Response, provider: Provider, result: ProviderResult): Promise<void> {
    const at = now();
    const outcomes = await c.deliverability.service.record(result.events, {
      trustAddress: true,
      replay: { endpoint: provider, key: result.replayKey, expiresAt: new Date(at + WINDOW_SECONDS[provider] * 1000), now: new Date(at) },
    });
    res.status(200).json({
      accepted: outcomes.filter((o) => !o.duplicate).length,
      ignored: result.ignored,
      suppressed: outcomes.filter((o) => o.suppressed).length,
    });
  }

  const configured = (on: unknown, name: string) => (_req: Request, _res: Response, next: (err?: unknown) => void) =>
    next(on ? undefined : new NotFoundError(`The ${name} webhook is not configured.`));

  r.post('/webhooks/ses', configured(p.ses, 'SES'), raw, async (req, res) => {
    const result = p.ses!.verify(rawBody(req));
    if (result.type !== 'notification') {
      // Confirming means fetching SubscribeURL from AWS; Tidings makes no outbound request on a
      // request path, so the operator confirms (docs/deliverability.md). The URL is logged for that.
      c.log.warn({ topicArn: result.topicArn, subscribeUrl: result.subscribeUrl, type: result.type }, 'SNS subscription message: confirm it with the SubscribeURL');
      res.status(200).json({ accepted: 0, ignored: 0, suppressed: 0 });
      return;
    }
    await accept(res, 'ses', result);
  });
  r.post('/webhooks/mailgun', configured(p.mailgun, 'Mailgun'), raw, async (req, res) => {
    await accept(res, 'mailgun', p.mailgun!.verify(rawBody(req)));
  });
  r.post('/webhooks/postmark', configured(p.postmark, 'Postmark'), raw, async (req, res) => {
    await accept(res, 'postmark', p.postmark!.verify(req.get('authorization'), rawBody(req)));
  });
  r.post('/webhooks/sendgrid', configured(p.sendgrid, 'SendGrid'), raw, async (req, res) => {
    await accept(res, 'sendgrid', p.sendgrid!.verify(req.get(SENDGRID_SIGNATURE_HEADER), req.get(SENDGRID_TIMESTAMP_HEADER), rawBody(req)));
  });
  return r;
}
