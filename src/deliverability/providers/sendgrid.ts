/**
 * SendGrid's Signed Event Webhook, as documented at
 *   https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 *   https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 *
 * X-Twilio-Email-Event-Webhook-Signature is a base64 ECDSA (P-256, SHA-256, DER) signature over
 * the X-Twilio-Email-Event-Webhook-Timestamp value followed by the raw body; the verification key
 * is the base64 DER public key SendGrid shows in its settings (a PEM is accepted too). The body is
 * a JSON array of events, verified before it is parsed.
 *
 * SendGrid documents no freshness window; we refuse timestamps more than 10 minutes away, like
 * other signed webhooks, assuming each POST (retries included) is signed when it is sent.
 *
 * Mapping: `bounce` → hard, but `type: "blocked"` (refused for now, not for good) and any 4.x.x
 * status → soft; `deferred` → soft; `spamreport` → complaint; `dropped` (SendGrid did not send) →
 * hard for "Bounced Address" and "Invalid", complaint for "Spam Reporting Address", otherwise
 * ignored (an earlier unsubscribe, spam content, quota). Other events are ignored.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { UnauthorizedError, ValidationError } from '../../errors';
import { makeEvent, parseTime, type DeliverabilityEvent, type DeliverabilityKind } from '../events';
import { enhancedStatus, enhancedStatusIn } from '../status';
import { address, assertFresh, assertSize, bracketed, isObject, parseJsonBody, str, type JsonObject, type ProviderResult } from './common';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
export const SENDGRID_DEFAULT_TOLERANCE_SECONDS = 600;
const MAX_EVENTS = 5000;

export interface SendGridOptions {
  /** The verification key: base64 DER (as SendGrid shows it) or PEM. */
  publicKey: string;
  now?: () => number;
  toleranceSeconds?: number;
}

function loadKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.includes('-----BEGIN') ? createPublicKey(trimmed) : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('The SendGrid verification key must be an ECDSA P-256 public key.');
  }
  return key;
}

function signatureValid(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false; // not a DER signature at all
  }
}

function kindOf(e: JsonObject, status: string | undefined): DeliverabilityKind | undefined {
  switch (str(e.event)) {
    case 'bounce':
      return str(e.type) === 'blocked' || status?.startsWith('4') ? 'soft_bounce' : 'hard_bounce';
    case 'deferred':
      return 'soft_bounce';
    case 'spamreport':
      return 'complaint';
    case 'dropped': {
      const reason = str(e.reason)?.toLowerCase() ?? '';
      if (reason.startsWith('bounced address') || reason === 'invalid') return 'hard_bounce';
      if (reason.startsWith('spam reporting address')) return 'complaint';
      return undefined;
    }
    default:
      return undefined;
  }
}

export function sendgridEvent(e: JsonObject, fallbackTime: Date): DeliverabilityEvent | undefined {
  const to = address(e.email);
  const diagnostic = str(e.reason) || str(e.response);
  const status = enhancedStatus(str(e.status)) ?? enhancedStatusIn(diagnostic);
  const kind = kindOf(e, status);
  if (!kind || !to) return undefined;
  return makeEvent({
    kind,
    source: 'sendgrid',
    address: to,
    status,
    diagnostic,
    providerMessageId: str(e.sg_message_id),
    providerEventId: str(e.sg_event_id),
    // smtp-id is the Message-ID header SendGrid saw: ours when we set one.
    messageId: bracketed(str(e['smtp-id'])),
    occurredAt: parseTime(e.timestamp ?? undefined, fallbackTime),
  });
}

export class SendGridWebhook {
  private readonly key: KeyObject;
  private readonly now: () => number;
  private readonly tolerance: number;

  constructor(opts: SendGridOptions) {
    this.key = loadKey(opts.publicKey);
    this.now = opts.now ?? Date.now;
    this.tolerance = opts.toleranceSeconds ?? SENDGRID_DEFAULT_TOLERANCE_SECONDS;
  }

  verify(signature: string | undefined, timestamp: string | undefined, raw: Buffer): ProviderResult {
    if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9+/=]{16,512}$/.test(signature)) {
      throw new UnauthorizedError('Missing SendGrid signature.');
    }
    assertSize(raw);
    const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), raw]);
    if (!signatureValid(signed, this.key, Buffer.from(signature, 'base64'))) throw new UnauthorizedError('Bad signature.');
    assertFresh(Number(timestamp), this.now(), this.tolerance);
    const body = parseJsonBody(raw);
    if (!Array.isArray(body)) throw new ValidationError('Expected a JSON array of events.', 'body');
    if (body.length > MAX_EVENTS) throw new ValidationError(`At most ${MAX_EVENTS} events per request.`, 'body');
    const fallback = new Date(this.now());
    const events = body.flatMap((e) => {
      const event = isObject(e) ? sendgridEvent(e, fallback) : undefined;
      return event ? [event] : [];
    });
    return { events, ignored: body.length - events.length, replayKey: `sendgrid:${signature}` };
  }
}
