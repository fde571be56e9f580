/**
 * Signed click tokens: `${PUBLIC_URL}/l/<token>` in newsletter items and highlights. A token names
 * the issue, the part (an item by its position in the document, or a highlight by its topic's
 * bit), the link within that part and the reader's topic set as a bitmask: the same for every
 * reader of one topic set, so a rendered variant stays shared, and nothing in it identifies a reader.
 * The target URL is not in the token: it is looked up in the stored issue document, so a token can
 * only ever lead to a link an editor wrote (no open redirect).
 *
 *   <issue b36>.<i|h><part index b36>.<link b36>.<mask b36>.<kid>.<HMAC-SHA256, 128 bits, base64url>
 *
 * Keys are the link keys (SECRET_KEY first, SECRET_KEY_PREVIOUS after): new tokens are signed with
 * the first; the key id picks which verifies. The MAC covers a `click:` prefix, so a click token
 * and an unsubscribe token can never stand for each other.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type ClickPart = 'item' | 'highlight';

export interface ClickRef {
  issueId: number;
  part: ClickPart;
  /** Item: position in the document (0-based, across sections). Highlight: its topic's bit. */
  index: number;
  /** Position of the link among the part's distinct link targets (0-based). */
  link: number;
  /** Topic set: bit i = the i-th topic in topic order (position, slug). */
  mask: number;
}

/** Longest token the pattern admits; anything longer is refused before the regex runs. */
export const CLICK_TOKEN_MAX = 80;
const PATTERN = /^([0-9a-z]{1,11})\.([ih])([0-9a-z]{1,4})\.([0-9a-z]{1,4})\.([0-9a-z]{1,6})\.([0-9a-f]{4})\.([A-Za-z0-9_-]{22})$/;

interface Key {
  kid: string;
  secret: string;
}

export class ClickTokens {
  private readonly keys: Key[];

  constructor(secretKeys: readonly string[]) {
    if (!secretKeys.length) throw new Error('ClickTokens needs a key');
    // The same key id as the link tokens' (src/subscribers/link-tokens.ts): one name per key.
    this.keys = secretKeys.map((secret) => ({ kid: createHash('sha256').update('tidings-kid:' + secret).digest('hex').slice(0, 4), secret }));
  }

  /** The signing key's id: part of the render fingerprint, so a rotation re-renders variants. */
  get signingKid(): string {
    return this.keys[0]!.kid;
  }

  private mac(key: Key, payload: string): string {
    return createHmac('sha256', key.secret).update('click:' + payload).digest().subarray(0, 16).toString('base64url');
  }

  sign(ref: ClickRef): string {
    const key = this.keys[0]!;
    const payload = [ref.issueId.toString(36), (ref.part === 'item' ? 'i' : 'h') + ref.index.toString(36), ref.link.toString(36), ref.mask.toString(36), key.kid].join('.');
    return `${payload}.${this.mac(key, payload)}`;
  }

  /** The reference, or null for anything malformed, oversized or not signed by one of our keys. */
  verify(token: string): ClickRef | null {
    if (token.length > CLICK_TOKEN_MAX) return null;
    const m = PATTERN.exec(token);
    if (!m) return null;
    const [, issue, part, index, link, mask, kid, sig] = m as unknown as string[];
    const payload = `${issue}.${part}${index}.${link}.${mask}.${kid}`;
    const given = Buffer.from(sig!, 'latin1');
    // Compared as encoded text (the last base64url character has spare bits) in constant time.
    const valid = this.keys.some((key) => {
      if (key.kid !== kid) return false;
      const expected = Buffer.from(this.mac(key, payload), 'latin1');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) return null;
    const ref: ClickRef = {
      issueId: parseInt(issue!, 36), part: part === 'i' ? 'item' : 'highlight',
      index: parseInt(index!, 36), link: parseInt(link!, 36), mask: parseInt(mask!, 36),
    };
    return ref.issueId > 0 && Number.isSafeInteger(ref.issueId) && ref.mask > 0 ? ref : null;
  }
}

/** Bitmask of a topic set over the topics in topic order. */
export function topicMask(order: readonly string[], set: readonly string[]): number {
  return order.reduce((m, slug, i) => (set.includes(slug) ? m | (1 << i) : m), 0);
}

/** The topic-set key ("ai,nev") of a mask, over the topics in topic order. */
export function maskTopics(order: readonly string[], mask: number): string {
  return order.filter((_, i) => mask & (1 << i)).sort().join(',');
}
