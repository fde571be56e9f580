/**
 * Postmark bounce and spam-complaint webhooks, as documented at
 *   https://postmarkapp.com/developer/webhooks/bounce-webhook
 *   https://postmarkapp.com/developer/webhooks/spam-complaint-webhook
 *   https://postmarkapp.com/developer/api/bounce-api#bounce-types
 *
 * Postmark signs nothing; it authenticates with HTTP Basic credentials put in the webhook URL
 * (https://user:password@host/…), so the verifier compares the Authorization header with the
 * configured pair, both halves in constant time. That is only as good as TLS, and there is no
 * timestamp: replays are refused by record (RecordType + ID, the replay key), not by time.
 *
 * One JSON record per request. RecordType Bounce: HardBounce and BadEmailAddress are hard;
 * SoftBounce, Transient, DnsError, Blocked, SpamNotification, DMARCPolicy and Unknown are soft
 * (the receiving side refused this message, not necessarily the address); the other types
 * (AutoResponder, AddressChange, Subscribe, Unsubscribe, ManuallyDeactivated, …) are no bounce
 * and are ignored. RecordType SpamComplaint is a complaint. Delivery, Open, Click and
 * SubscriptionChange records are ignored.
 */
import { createHash } from 'node:crypto';
import { UnauthorizedError } from '../../errors';
import { makeEvent, parseTime, type DeliverabilityEvent, type DeliverabilityKind } from '../events';
import { enhancedStatusIn } from '../status';
import { address, asObject, parseJsonBody, safeEqual, str, topLevelNumberText, type JsonObject, type ProviderResult } from './common';

export interface PostmarkOptions {
  username: string;
  password: string;
  now?: () => number;
}

const HARD = new Set(['HardBounce', 'BadEmailAddress']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'SpamNotification', 'DMARCPolicy', 'Unknown']);

function kindOf(record: JsonObject): DeliverabilityKind | undefined {
  const recordType = str(record.RecordType);
  const type = str(record.Type) ?? '';
  if (recordType === 'SpamComplaint' || (recordType === 'Bounce' && type === 'SpamComplaint')) return 'complaint';
  if (recordType !== 'Bounce') return undefined;
  return HARD.has(type) ? 'hard_bounce' : SOFT.has(type) ? 'soft_bounce' : undefined;
}

/** The record's ID with every digit (see topLevelNumberText), or a string ID as given. */
function recordId(record: JsonObject, raw: Buffer): string | undefined {
  return topLevelNumberText(raw.toString('utf8'), 'ID') ?? str(record.ID);
}

export function postmarkEvent(record: JsonObject, fallbackTime: Date, id?: string): DeliverabilityEvent | undefined {
  const kind = kindOf(record);
  const to = address(record.Email);
  if (!kind || !to) return undefined;
  const details = str(record.Details) || str(record.Description);
  return makeEvent({
    kind,
    source: 'postmark',
    address: to,
    status: enhancedStatusIn(details),
    diagnostic: details,
    providerMessageId: str(record.MessageID),
    providerEventId: id,
    occurredAt: parseTime(str(record.BouncedAt), fallbackTime),
  });
}

export class PostmarkWebhook {
  private readonly now: () => number;

  constructor(private readonly opts: PostmarkOptions) {
    if (!opts.username || !opts.password) throw new TypeError('PostmarkWebhook needs the webhook user name and password.');
    this.now = opts.now ?? Date.now;
  }

  /** Checks `Authorization: Basic …`; throws 401 unless it carries exactly the configured pair. */
  authenticate(authorization: string | undefined): void {
    const m = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(authorization?.trim() ?? '');
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const pass = colon >= 0 ? decoded.slice(colon + 1) : '';
    // Both halves are compared whatever the first says, so timing tells nothing about which failed.
    const userOk = safeEqual(user, this.opts.username);
    const passOk = safeEqual(pass, this.opts.password);
    if (!m || colon < 0 || !userOk || !passOk) throw new UnauthorizedError('Bad webhook credentials.');
  }

  verify(authorization: string | undefined, raw: Buffer): ProviderResult {
    this.authenticate(authorization);
    const record = asObject(parseJsonBody(raw), 'body');
    const id = recordId(record, raw);
    const event = postmarkEvent(record, new Date(this.now()), id);
    // Postmark's record id when there is one (bounces and complaints have one), else the body's hash.
    const key = id ?? createHash('sha256').update(raw).digest('hex');
    return { events: event ? [event] : [], ignored: event ? 0 : 1, replayKey: `postmark:${str(record.RecordType) ?? ''}:${key}` };
  }
}
