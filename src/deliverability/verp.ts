/**
 * VERP return paths: every newsletter's envelope sender (MAIL FROM, hence Return-Path) names the
 * delivery it belongs to, so a bounce that arrives hours later is matched to a (send, subscriber)
 * by its envelope recipient alone, whatever the report's body looks like.
 *
 *   bounces+d.<sendId b36>.<subscriberId b36>.<mac>@BOUNCE_DOMAIN     a newsletter delivery
 *   bounces+t.<transactional message id b36>.<mac>@BOUNCE_DOMAIN      a transactional message
 *
 * Why this shape:
 * - Case-insensitive. Most MTAs keep the local part's case, but some lowercase it (and RFC 5321
 *   lets the receiving side treat it as it likes), so the token uses only [0-9a-z] and '.': ids in
 *   base36, the MAC in lowercase RFC 4648 base32. Verification lowercases first, so an upper-cased
 *   token still verifies and no two spellings carry different meanings.
 * - Short. The local part must stay ≤ 64 octets (RFC 5321 §4.5.3.1.1); with the largest safe ids
 *   the address's local part is 54 characters, a typical one about 35.
 * - '.' between fields, not '-': qmail-style MTAs use '-' as their own extension separator, and
 *   '.' is plain dot-atom that needs no quoting.
 * - Signed: 100 bits of HMAC-SHA256 under SECRET_KEY (domain-separated from the other MACs made
 *   with that key), so a forged bounce cannot name somebody else's delivery. 100 bits is far beyond
 *   what anyone can guess through a rate-limited SMTP listener.
 * - Rotatable: verification tries the current key and then each previous one (SECRET_KEY_PREVIOUS),
 *   so bounces for mail sent before a rotation still match. No key id is embedded: trying a
 *   handful of keys costs microseconds and keeps the token short.
 * - No expiry: a token names one delivery, so a replayed bounce can only touch the address the
 *   message was sent to; reports for sends that are long gone are for the caller to ignore.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const VERP_LOCAL_PREFIX = 'bounces+';
const MAC_CHARS = 20; // × 5 bits = 100 bits
const MAX_LOCAL_PART = 64;
const TOKEN_PATTERN = /^([dt])\.([0-9a-z]{1,11})(?:\.([0-9a-z]{1,11}))?\.([a-z2-7]{20})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export type VerpRef =
  | { kind: 'delivery'; sendId: number; subscriberId: number }
  | { kind: 'transactional'; messageId: number };

export interface VerifiedVerp {
  ref: VerpRef;
  /** 0 when the current key matched; n for the n-th previous key (a rotation is in progress). */
  keyIndex: number;
}

/** Lowercase RFC 4648 base32 of the first `chars` × 5 bits of `bytes`. */
function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length === chars) break;
  }
  return out;
}

function positiveId(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n <= 0) throw new TypeError(`${what} must be a positive safe integer, got ${n}.`);
  return n.toString(36);
}

/** Parses a base36 id written the way `positiveId` writes it (no leading zeros), else null. */
function parseId(s: string | undefined): number | null {
  if (!s || s.startsWith('0')) return null;
  const n = parseInt(s, 36);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export class VerpTokens {
  private readonly keys: readonly string[];
  private readonly domain: string;

  /**
   * @param keys the current secret first, then earlier ones that still verify (rotation)
   * @param bounceDomain BOUNCE_DOMAIN, the domain whose mail reaches the bounce receiver
   */
  constructor(keys: readonly string[], bounceDomain: string) {
    if (keys.length === 0 || keys.some((k) => k.length === 0)) throw new TypeError('VerpTokens needs at least one non-empty key.');
    if (!/^[a-z0-9.-]+$/i.test(bounceDomain)) throw new TypeError('The bounce domain must be a plain domain name.');
    this.keys = [...keys];
    this.domain = bounceDomain.toLowerCase();
  }

  /** BOUNCE_DOMAIN, lowercased. */
  get domainName(): string {
    return this.domain;
  }

  private mac(key: string, payload: string): string {
    // 'tidings-verp-v1:' keeps these MACs apart from every other HMAC made with SECRET_KEY.
    return base32(createHmac('sha256', key).update(`tidings-verp-v1:${payload}`).digest(), MAC_CHARS);
  }

  token(ref: VerpRef): string {
    const payload =
      ref.kind === 'delivery'
        ? `d.${positiveId(ref.sendId, 'sendId')}.${positiveId(ref.subscriberId, 'subscriberId')}`
        : `t.${positiveId(ref.messageId, 'messageId')}`;
    return `${payload}.${this.mac(this.keys[0]!, payload)}`;
  }

  /** The envelope sender for a message: bounces+<token>@BOUNCE_DOMAIN. */
  address(ref: VerpRef): string {
    const local = VERP_LOCAL_PREFIX + this.token(ref);
    // Cannot happen with safe-integer ids (54 at most); kept so a format change cannot slip past.
    if (local.length > MAX_LOCAL_PART) throw new Error(`VERP local part is ${local.length} characters, over ${MAX_LOCAL_PART}.`);
    return `${local}@${this.domain}`;
  }

  /** The token's delivery, or null for anything tampered, malformed or signed with an unknown key. */
  verify(token: string): VerifiedVerp | null {
    if (token.length > MAX_LOCAL_PART) return null;
    const m = TOKEN_PATTERN.exec(token.toLowerCase());
    if (!m) return null;
    const [, kind, a, b, sig] = m as unknown as [string, 'd' | 't', string, string | undefined, string];
    const payload = b === undefined ? `${kind}.${a}` : `${kind}.${a}.${b}`;
    const given = Buffer.from(sig, 'latin1');
    let keyIndex = -1;
    // Every key is tried (no early exit), each comparison in constant time.
    this.keys.forEach((key, i) => {
      const expected = Buffer.from(this.mac(key, payload), 'latin1');
      if (timingSafeEqual(given, expected) && keyIndex < 0) keyIndex = i;
    });
    if (keyIndex < 0) return null;
    if (kind === 'd') {
      const sendId = parseId(a);
      const subscriberId = parseId(b);
      return sendId && subscriberId ? { ref: { kind: 'delivery', sendId, subscriberId }, keyIndex } : null;
    }
    const messageId = b === undefined ? parseId(a) : null;
    return messageId ? { ref: { kind: 'transactional', messageId }, keyIndex } : null;
  }

  /**
   * Verifies a whole address (an envelope recipient of the receiver, or an Original-Mail-From /
   * Return-Path echoed in a report): `bounces+<token>@BOUNCE_DOMAIN`, case-insensitively, with or
   * without angle brackets. Anything else — another domain, another mailbox — is null.
   */
  verifyAddress(address: string): VerifiedVerp | null {
    const a = address.trim().replace(/^<(.*)>$/, '$1').toLowerCase();
    const at = a.lastIndexOf('@');
    if (at < 0 || a.slice(at + 1) !== this.domain) return null;
    const local = a.slice(0, at);
    if (!local.startsWith(VERP_LOCAL_PREFIX)) return null;
    return this.verify(local.slice(VERP_LOCAL_PREFIX.length));
  }
}
