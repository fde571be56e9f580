/**
 * The one shape every bounce and complaint source is normalised into — the built-in receiver's
 * DSN/ARF parsing and each provider webhook — so the service that acts on them (suppress, count,
 * unsubscribe) has a single input whatever the relay.
 */

export type DeliverabilityKind = 'hard_bounce' | 'soft_bounce' | 'complaint';
/** webhook: our own signed JSON webhook; smtp: a 5xx during our own SMTP handoff. */
export type DeliverabilitySource = 'dsn' | 'arf' | 'fallback' | 'ses' | 'mailgun' | 'postmark' | 'sendgrid' | 'webhook' | 'smtp';

export interface DeliverabilityEvent {
  kind: DeliverabilityKind;
  source: DeliverabilitySource;
  /** The recipient as the report names it. Inbound reports identify the delivery by VERP token first. */
  address?: string;
  /** Enhanced status code (RFC 3463), e.g. `5.1.1`, when the source gives one. */
  status?: string;
  /** The receiving server's (or provider's) explanation, trimmed. */
  diagnostic?: string;
  /** Complaints: the feedback type (`abuse`, …) when the source says. */
  feedbackType?: string;
  /** The provider's id for the message it sent. */
  providerMessageId?: string;
  /** The provider's id for this event, for idempotent processing of retried webhooks. */
  providerEventId?: string;
  /** Our Message-ID (`<tidings.i….s….…@…>`), when the source echoes the original headers. */
  messageId?: string;
  /** The original envelope sender (our VERP address), when the source echoes it. */
  envelopeSender?: string;
  occurredAt: Date;
}

const DIAGNOSTIC_MAX = 500;

/** Free text from outside, bounded and on one line, so it can be stored and shown as it is. */
export function clip(text: string | undefined, max = DIAGNOSTIC_MAX): string | undefined {
  if (text === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const t = text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return t ? t.slice(0, max) : undefined;
}

/** An ISO 8601 / RFC 2822 date or unix seconds; `fallback` when missing or unreadable. */
export function parseTime(value: unknown, fallback: Date): Date {
  const d =
    typeof value === 'number' && Number.isFinite(value)
      ? new Date(value * 1000)
      : typeof value === 'string' && value.length <= 64
        ? new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value)
        : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : fallback;
}

/** Drops undefined properties, so events compare and serialise cleanly. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * An event from a provider's fields: undefined fields dropped, the diagnostic clipped, and no
 * status or diagnostic on a complaint (a complaint is not a delivery failure, whatever a provider
 * puts in its reason field).
 */
export function makeEvent(fields: DeliverabilityEvent): DeliverabilityEvent {
  const complaint = fields.kind === 'complaint';
  return compact<DeliverabilityEvent>({ ...fields, status: complaint ? undefined : fields.status, diagnostic: complaint ? undefined : clip(fields.diagnostic) });
}
