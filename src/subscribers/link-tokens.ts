/**
 * Signed tokens for links in emails (unsubscribe, preferences). Stateless: the token carries the
 * subscriber id, the purpose, a key id and an expiry day, signed with HMAC-SHA256 under SECRET_KEY
 * and compared in constant time. They live a year, so the unsubscribe link in an old email still
 * works (RFC 8058 and the big mailbox providers expect that), and they never touch the database.
 * Rotation: new links are signed with the first key; the key id in a link picks which of the
 * earlier keys (SECRET_KEY_PREVIOUS, a replaced generated key) verifies it.
 *
 *   <purpose>.<subscriberId base36>.<expiry day base36>.<kid>.<signature base64url, 128 bits>
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'unsubscribe' | 'preferences';
const PURPOSE_CODE: Record<LinkPurpose, string> = { unsubscribe: 'u', preferences: 'p' };
const CODE_PURPOSE: Record<string, LinkPurpose> = { u: 'unsubscribe', p: 'preferences' };

const DAY_MS = 86_400_000;
export const LINK_TOKEN_LIFETIME_DAYS = 365;
const TOKEN_PATTERN = /^([up])\.([0-9a-z]{1,12})\.([0-9a-z]{1,8})\.([0-9a-f]{4})\.([A-Za-z0-9_-]{22})$/;

export interface VerifiedLinkToken {
  subscriberId: number;
  purpose: LinkPurpose;
}

interface Key {
  /** Names the key without revealing it: the link says which key signed it. */
  kid: string;
  secret: string;
}

export class LinkTokens {
  private readonly keys: Key[];

  /** `secretKeys`: the signing key first, then earlier keys that still verify. */
  constructor(
    secretKeys: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    if (!secretKeys.length) throw new Error('LinkTokens needs a key');
    this.keys = secretKeys.map((secret) => ({ kid: createHash('sha256').update('tidings-kid:' + secret).digest('hex').slice(0, 4), secret }));
  }

  private mac(key: Key, payload: string): Buffer {
    return createHmac('sha256', key.secret).update(payload).digest().subarray(0, 16);
  }

  sign(subscriberId: number, purpose: LinkPurpose, lifetimeDays = LINK_TOKEN_LIFETIME_DAYS): string {
    const key = this.keys[0]!;
    const expiryDay = Math.floor(this.now() / DAY_MS) + lifetimeDays;
    const payload = `${PURPOSE_CODE[purpose]}.${subscriberId.toString(36)}.${expiryDay.toString(36)}.${key.kid}`;
    return `${payload}.${this.mac(key, payload).toString('base64url')}`;
  }

  /** The token's subscriber and purpose, or null for anything tampered, expired or malformed. */
  verify(token: string, purpose?: LinkPurpose): VerifiedLinkToken | null {
    const m = TOKEN_PATTERN.exec(token);
    if (!m) return null;
    const [, code, sid, exp, kid, sig] = m as unknown as [string, string, string, string, string, string];
    const payload = `${code}.${sid}.${exp}.${kid}`;
    // Compare the encoded MAC, not the decoded bytes: the last base64url character carries unused
    // bits, so decoding would accept several spellings of one signature (a "bit-flipped" token).
    const given = Buffer.from(sig, 'latin1');
    // The key id (public: every link shows it) picks the key; two keys may share one of the 65,536
    // ids, so each candidate is tried. The MAC is compared, in constant time, before anything in
    // the token is believed.
    const valid = this.keys.some((key) => {
      if (key.kid !== kid) return false;
      const expected = Buffer.from(this.mac(key, payload).toString('base64url'), 'latin1');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) return null;
    if (parseInt(exp, 36) < Math.floor(this.now() / DAY_MS)) return null;
    const p = CODE_PURPOSE[code]!;
    if (purpose && p !== purpose) return null;
    const subscriberId = parseInt(sid, 36);
    if (!Number.isSafeInteger(subscriberId) || subscriberId <= 0) return null;
    return { subscriberId, purpose: p };
  }
}
