/**
 * The composition root's deliverability part (docs/deliverability.md), kept beside src/app.ts so
 * that file stays readable: VERP tokens, the one bounce/complaint service, the provider verifiers
 * and the SMTP receiver. Like app.ts, the only place these are constructed; nothing imports it but
 * app.ts (dependency-cruiser counts it as the root).
 */
import type { Container, Deliverability } from './container';
import { MailgunWebhook } from './deliverability/providers/mailgun';
import { PostmarkWebhook } from './deliverability/providers/postmark';
import { SendGridWebhook } from './deliverability/providers/sendgrid';
import { SesWebhook } from './deliverability/providers/ses';
import { DeliverabilityReports } from './deliverability/report';
import { DeliverabilityService } from './deliverability/service';
import { VerpTokens } from './deliverability/verp';

export function buildDeliverability(s: Pick<Container, 'config' | 'log' | 'pool' | 'queries' | 'rateLimiter' | 'suppressions'>): Deliverability {
  const { pool, queries, log, config } = s;
  const o = config.deliverability;
  const verp = o.bounceDomain ? new VerpTokens(config.secretKeys, o.bounceDomain) : undefined;
  const service = new DeliverabilityService({ pool, queries, log, verp, secretKeys: config.secretKeys, suppressions: s.suppressions, options: o });
  let receiver: Deliverability['receiver'];
  if (verp && o.inboundSmtpPort > 0 && config.role !== 'api') {
    // Loaded only when used (like the local mailbox): smtp-server stays out of other processes.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BounceReceiver: Receiver } = require('./deliverability/receiver') as typeof import('./deliverability/receiver');
    receiver = new Receiver({ pool, queries, log, verp, service, rateLimiter: s.rateLimiter, options: {
      domain: verp.domainName, port: o.inboundSmtpPort, host: o.inboundSmtpHost, maxBytes: o.inboundSmtpMaxBytes, ratePerMinute: o.inboundSmtpRatePerMinute } });
  }
  const { ses, mailgunSigningKey: mg, postmark, sendgridPublicKey: sg } = o;
  const providers = { ses: ses && new SesWebhook(ses), mailgun: mg ? new MailgunWebhook({ signingKey: mg }) : undefined,
    postmark: postmark && new PostmarkWebhook(postmark), sendgrid: sg ? new SendGridWebhook({ publicKey: sg }) : undefined };
  return { service, verp, reports: new DeliverabilityReports(pool, queries), providers, receiver };
}
