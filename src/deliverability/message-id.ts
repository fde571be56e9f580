/**
 * Our newsletter Message-IDs, `<tidings.i<issue>.s<subscriber>.<mac>@<domain>>` (written by
 * MessageBuilder.messageId in src/sending/message.ts), identify a delivery when a report has lost
 * the VERP token: a feedback loop writes to its own address, but attaches the original headers.
 * The MAC is checked here so a report cannot name another reader's message by guessing ids; the
 * test (deliverability-message-id) checks this against MessageBuilder itself, so the two stay one
 * format. Test sends use a negative subscriber id and never match.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TidingsMessageRef {
  issueId: number;
  subscriberId: number;
}

const PATTERN = /^<tidings\.i([1-9]\d{0,14})\.s([1-9]\d{0,14})\.([0-9a-f]{16})@[^<>\s]{1,255}>$/i;

/** The issue and subscriber a Message-ID names, or null unless one of `keys` made its MAC. */
export function verifyTidingsMessageId(messageId: string, keys: readonly string[]): TidingsMessageRef | null {
  const m = PATTERN.exec(messageId.trim());
  if (!m) return null;
  const issueId = Number(m[1]);
  const subscriberId = Number(m[2]);
  if (!Number.isSafeInteger(issueId) || !Number.isSafeInteger(subscriberId)) return null;
  const given = Buffer.from(m[3]!.toLowerCase(), 'latin1');
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(createHmac('sha256', key).update(`msgid:${issueId}:${subscriberId}`).digest('hex').slice(0, 16), 'latin1');
    ok = timingSafeEqual(given, expected) || ok;
  }
  return ok ? { issueId, subscriberId } : null;
}
