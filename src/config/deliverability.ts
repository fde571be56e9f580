/**
 * Deliverability keys (docs/deliverability.md): VERP return paths, the built-in bounce receiver,
 * soft-bounce and complaint limits, provider webhooks. Kept apart from index.ts so each file stays
 * readable; index.ts spreads DELIVERABILITY_ENV into its schema and calls deliverabilityConfig().
 */
import { z } from 'zod';

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const int = (def: number, min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max)).default(def);

/** Comma-separated list; empty entries dropped. */
const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** PEM blocks, one or several, with literal "\n" accepted as in DKIM_PRIVATE_KEY. */
const pems = z
  .string()
  .optional()
  .transform((v) => (v ?? '').replace(/\\n/g, '\n').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []);

export const DELIVERABILITY_ENV = {
  // Envelope senders become bounces+<token>@BOUNCE_DOMAIN; unset = MAIL_FROM's address.
  BOUNCE_DOMAIN: optional(z.string().trim().toLowerCase().regex(/^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a domain name, e.g. bounces.example.org')),
  INBOUND_SMTP_PORT: int(0, 0, 65535),
  INBOUND_SMTP_HOST: z.string().trim().min(1).default('0.0.0.0'),
  INBOUND_SMTP_MAX_BYTES: int(2 * 1024 * 1024, 1024, 50 * 1024 * 1024),
  // Messages accepted per client IP per minute; 0 = unlimited.
  INBOUND_SMTP_RATE_PER_MINUTE: int(120, 0, 1_000_000),
  SOFT_BOUNCE_LIMIT: int(3, 1, 100),
  COMPLAINT_PAUSE_PERCENT: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number, e.g. 0.3')
    .transform(Number)
    .pipe(z.number().gt(0).max(100))
    .default(0.3),
  COMPLAINT_MIN_DELIVERED: int(1000, 1, Number.MAX_SAFE_INTEGER),
  SES_SNS_CERTIFICATES: pems,
  SES_SNS_TOPIC_ARNS: list,
  MAILGUN_WEBHOOK_SIGNING_KEY: optional(z.string().trim().min(8)),
  POSTMARK_WEBHOOK_USER: optional(z.string().min(1)),
  POSTMARK_WEBHOOK_PASSWORD: optional(z.string().min(16, 'must be at least 16 characters')),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optional(z.string().trim().min(16)),
};

type Env = z.infer<z.ZodObject<typeof DELIVERABILITY_ENV>>;

export interface DeliverabilityConfig {
  readonly bounceDomain: string | undefined;
  readonly inboundSmtpPort: number;
  readonly inboundSmtpHost: string;
  readonly inboundSmtpMaxBytes: number;
  readonly inboundSmtpRatePerMinute: number;
  readonly softBounceLimit: number;
  readonly complaintPausePercent: number;
  readonly complaintMinDelivered: number;
  readonly ses: { readonly certificates: readonly string[]; readonly topicArns: readonly string[] } | undefined;
  readonly mailgunSigningKey: string | undefined;
  readonly postmark: { readonly username: string; readonly password: string } | undefined;
  readonly sendgridPublicKey: string | undefined;
}

/** Cross-key rules: what only makes sense together. */
export function deliverabilityProblems(v: Partial<Env>): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  if ((v.INBOUND_SMTP_PORT ?? 0) > 0 && !v.BOUNCE_DOMAIN) out.push({ key: 'INBOUND_SMTP_PORT', message: 'needs BOUNCE_DOMAIN (the receiver accepts only its VERP addresses)' });
  const ses = [v.SES_SNS_CERTIFICATES?.length, v.SES_SNS_TOPIC_ARNS?.length];
  if (ses.some(Boolean) && !ses.every(Boolean)) out.push({ key: 'SES_SNS_TOPIC_ARNS', message: 'SES_SNS_CERTIFICATES (PEM) and SES_SNS_TOPIC_ARNS go together' });
  if (Boolean(v.POSTMARK_WEBHOOK_USER) !== Boolean(v.POSTMARK_WEBHOOK_PASSWORD)) out.push({ key: 'POSTMARK_WEBHOOK_PASSWORD', message: 'POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD go together' });
  return out;
}

export function deliverabilityConfig(v: Env): DeliverabilityConfig {
  return Object.freeze({
    bounceDomain: v.BOUNCE_DOMAIN,
    inboundSmtpPort: v.INBOUND_SMTP_PORT,
    inboundSmtpHost: v.INBOUND_SMTP_HOST,
    inboundSmtpMaxBytes: v.INBOUND_SMTP_MAX_BYTES,
    inboundSmtpRatePerMinute: v.INBOUND_SMTP_RATE_PER_MINUTE,
    softBounceLimit: v.SOFT_BOUNCE_LIMIT,
    complaintPausePercent: v.COMPLAINT_PAUSE_PERCENT,
    complaintMinDelivered: v.COMPLAINT_MIN_DELIVERED,
    ses: v.SES_SNS_CERTIFICATES.length ? Object.freeze({ certificates: Object.freeze(v.SES_SNS_CERTIFICATES), topicArns: Object.freeze(v.SES_SNS_TOPIC_ARNS) }) : undefined,
    mailgunSigningKey: v.MAILGUN_WEBHOOK_SIGNING_KEY,
    postmark: v.POSTMARK_WEBHOOK_USER && v.POSTMARK_WEBHOOK_PASSWORD ? Object.freeze({ username: v.POSTMARK_WEBHOOK_USER, password: v.POSTMARK_WEBHOOK_PASSWORD }) : undefined,
    sendgridPublicKey: v.SENDGRID_WEBHOOK_PUBLIC_KEY,
  });
}
