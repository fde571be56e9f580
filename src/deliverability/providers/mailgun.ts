/**
 * Mailgun webhooks, as documented at
 *   https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 *   https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads
 *   https://documentation.mailgun.com/docs/mailgun/user-manual/events/event-types
 *
 * The JSON body is `{signature: {timestamp, token, signature}, "event-data": {...}}`; the
 * signature is hex HMAC-SHA256 of timestamp + token (no separator) under the webhook signing key.
 *
 * Mailgun's signature does not cover event-data. What protects the body is that a signature is
 * only good once: the token is random per request, so the caller keeps the replay key (the token)
 * for the freshness window and refuses it a second time, and the window is short (5 minutes).
 * A captured request cannot be re-sent with another body inside the window without reusing its
 * token, and not at all after it.
 *
 * Mapping: `failed` with severity permanent → hard, except when its code is a 4xx or 4.x.x
 * (never suppress on a temporary failure; Mailgun gives up "permanently" on old retries too), or
 * when Mailgun dropped it for an earlier unsubscribe (no bounce at all) or complaint (a complaint);
 * severity temporary → soft; `complained` → complaint. Other events are ignored.
 */
import { createHmac } from 'node:crypto';
import { UnauthorizedError } from '../../errors';
import { makeEvent, parseTime, type DeliverabilityEvent, type DeliverabilityKind } from '../events';
import { enhancedStatus, enhancedStatusIn } from '../status';
import { address, asObject, assertFresh, bracketed, isObject, parseJsonBody, safeEqual, str, type JsonObject, type ProviderResult } from './common';

export interface MailgunOptions {
  /** The HTTP webhook signing key from the Mailgun control panel. */
  signingKey: string;
  now?: () => number;
  toleranceSeconds?: number;
}

export const MAILGUN_DEFAULT_TOLERANCE_SECONDS = 300;

function failedKind(e: JsonObject, status: string | undefined, code: number | undefined): DeliverabilityKind | undefined {
  if (str(e.severity) !== 'permanent') return 'soft_bounce';
  const reason = str(e.reason);
  if (reason === 'suppress-unsubscribe') return undefined;
  if (reason === 'suppress-complaint') return 'complaint';
  if (status?.startsWith('4') || (code !== undefined && code >= 400 && code < 500)) return 'soft_bounce';
  return 'hard_bounce';
}

export function mailgunEvent(e: JsonObject, fallbackTime: Date): DeliverabilityEvent | undefined {
  const event = str(e.event);
  const to = address(e.recipient);
  if (!to || (event !== 'failed' && event !== 'complained')) return undefined;
  const ds = isObject(e['delivery-status']) ? e['delivery-status'] : {};
  const diagnostic = str(ds.message) || str(ds.description);
  const status = enhancedStatus(str(ds['enhanced-code'])) ?? enhancedStatusIn(diagnostic);
  const code = typeof ds.code === 'number' ? ds.code : undefined;
  const kind: DeliverabilityKind | undefined = event === 'complained' ? 'complaint' : failedKind(e, status, code);
  if (!kind) return undefined;
  const message = isObject(e.message) ? e.message : {};
  const headerId = isObject(message.headers) ? str(message.headers['message-id']) : undefined;
  const envelope = isObject(e.envelope) ? e.envelope : {};
  return makeEvent({
    kind,
    source: 'mailgun',
    address: to,
    status,
    diagnostic,
    providerMessageId: headerId,
    providerEventId: str(e.id),
    // Mailgun keeps the Message-ID we set, so this is ours when we sent through its SMTP relay.
    messageId: bracketed(headerId),
    envelopeSender: address(envelope.sender),
    occurredAt: parseTime(e.timestamp ?? undefined, fallbackTime),
  });
}

export class MailgunWebhook {
  private readonly now: () => number;
  private readonly tolerance: number;

  constructor(private readonly opts: MailgunOptions) {
    if (!opts.signingKey) throw new TypeError('MailgunWebhook needs the webhook signing key.');
    this.now = opts.now ?? Date.now;
    this.tolerance = opts.toleranceSeconds ?? MAILGUN_DEFAULT_TOLERANCE_SECONDS;
  }

  verify(raw: Buffer): ProviderResult {
    const body = parseJsonBody(raw);
    const sig = isObject(body) && isObject(body.signature) ? body.signature : undefined;
    const timestamp = sig ? (typeof sig.timestamp === 'number' ? String(sig.timestamp) : str(sig.timestamp)) : undefined;
    const token = sig ? str(sig.token) : undefined;
    const signature = sig ? str(sig.signature) : undefined;
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !token || token.length > 200 || !signature) {
      throw new UnauthorizedError('Missing Mailgun signature.');
    }
    const expected = createHmac('sha256', this.opts.signingKey).update(timestamp + token).digest('hex');
    if (!safeEqual(signature.toLowerCase(), expected)) throw new UnauthorizedError('Bad signature.');
    assertFresh(Number(timestamp), this.now(), this.tolerance);
    const data = asObject(isObject(body) ? body['event-data'] : undefined, 'event-data');
    const event = mailgunEvent(data, new Date(this.now()));
    return { events: event ? [event] : [], ignored: event ? 0 : 1, replayKey: `mailgun:${token}` };
  }
}
