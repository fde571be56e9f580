/**
 * VERP tokens: round trip for both kinds, case-insensitive verification, tamper and wrong-key
 * refusal, rotation through previous keys, the 64-octet local-part limit, and our Message-ID check
 * against the MessageBuilder that writes it.
 */
import { verifyTidingsMessageId } from '../src/deliverability/message-id';
import { VERP_LOCAL_PREFIX, VerpTokens, type VerpRef } from '../src/deliverability/verp';
import { MessageBuilder } from '../src/sending/message';

const KEY = 'current-secret-key-0123456789abcdef';
const OLD = 'previous-secret-key-fedcba9876543210';
const DOMAIN = 'bounce.example.org';
const tokens = new VerpTokens([KEY], DOMAIN);
const delivery: VerpRef = { kind: 'delivery', sendId: 12, subscriberId: 4567 };
const transactional: VerpRef = { kind: 'transactional', messageId: 99 };

describe('VERP tokens', () => {
  test('a delivery and a transactional message round-trip, each as its own kind', () => {
    expect(tokens.verify(tokens.token(delivery))).toEqual({ ref: delivery, keyIndex: 0 });
    expect(tokens.verify(tokens.token(transactional))).toEqual({ ref: transactional, keyIndex: 0 });
    expect(tokens.token(delivery)).toMatch(/^d\.c\.3iv\.[a-z2-7]{20}$/);
    expect(tokens.token(transactional)).toMatch(/^t\.2r\.[a-z2-7]{20}$/);
  });

  test('the address is bounces+<token>@BOUNCE_DOMAIN, lowercase, and verifies as an address', () => {
    const address = tokens.address(delivery);
    expect(address).toBe(`${VERP_LOCAL_PREFIX}${tokens.token(delivery)}@${DOMAIN}`);
    expect(address).toBe(address.toLowerCase());
    expect(tokens.verifyAddress(address)?.ref).toEqual(delivery);
    expect(tokens.verifyAddress(`<${address}>`)?.ref).toEqual(delivery);
  });

  test('case-insensitive: an MTA that upper-cases the local part or the domain changes nothing', () => {
    const address = tokens.address(delivery);
    expect(tokens.verifyAddress(address.toUpperCase())?.ref).toEqual(delivery);
    expect(tokens.verify(tokens.token(transactional).toUpperCase())?.ref).toEqual(transactional);
  });

  test('the local part stays within 64 octets even for the largest ids', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const local = tokens.address({ kind: 'delivery', sendId: max, subscriberId: max }).split('@')[0]!;
    expect(local.length).toBeLessThanOrEqual(64);
    expect(local.length).toBe(54);
    expect(tokens.address(delivery).split('@')[0]!.length).toBeLessThan(40);
  });

  test('every single-character change to a token is refused', () => {
    const token = tokens.token(delivery);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789.';
    let tried = 0;
    for (let i = 0; i < token.length; i++) {
      for (const c of alphabet) {
        if (c === token[i]) continue;
        const forged = token.slice(0, i) + c + token.slice(i + 1);
        expect(tokens.verify(forged)).toBeNull();
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(1000);
  });

  test('the MAC binds the kind and the ids: swapping or re-labelling fails', () => {
    const [, send, sub, mac] = tokens.token(delivery).split('.');
    expect(tokens.verify(`d.${sub}.${send}.${mac}`)).toBeNull();
    expect(tokens.verify(`t.${send}.${mac}`)).toBeNull();
    expect(tokens.verify(`d.${send}.${sub}`)).toBeNull();
    expect(tokens.verify(`d.0${send}.${sub}.${mac}`)).toBeNull();
  });

  test('a token made with another key is refused', () => {
    const other = new VerpTokens(['someone-elses-key'], DOMAIN);
    expect(tokens.verify(other.token(delivery))).toBeNull();
  });

  test('rotation: tokens signed with the previous key still verify (and say so); new ones use the current key', () => {
    const before = new VerpTokens([OLD], DOMAIN);
    const during = new VerpTokens([KEY, OLD], DOMAIN);
    expect(during.verify(before.token(delivery))).toEqual({ ref: delivery, keyIndex: 1 });
    expect(during.token(delivery)).toBe(tokens.token(delivery));
    expect(during.verify(tokens.token(delivery))?.keyIndex).toBe(0);
    // Once the old key is dropped, its tokens stop verifying.
    expect(tokens.verify(before.token(delivery))).toBeNull();
  });

  test('addresses at another domain or mailbox are not ours', () => {
    const token = tokens.token(delivery);
    expect(tokens.verifyAddress(`bounces+${token}@example.net`)).toBeNull();
    expect(tokens.verifyAddress(`bounce+${token}@${DOMAIN}`)).toBeNull();
    expect(tokens.verifyAddress(`bounces+${token}@sub.${DOMAIN}`)).toBeNull();
    expect(tokens.verifyAddress(`bounces@${DOMAIN}`)).toBeNull();
    expect(tokens.verifyAddress('not an address')).toBeNull();
    expect(tokens.verify('x'.repeat(10_000))).toBeNull();
  });

  test('bad ids and bad configuration are programming errors, not tokens', () => {
    expect(() => tokens.token({ kind: 'delivery', sendId: 0, subscriberId: 1 })).toThrow(TypeError);
    expect(() => tokens.token({ kind: 'transactional', messageId: 1.5 })).toThrow(TypeError);
    expect(() => new VerpTokens([], DOMAIN)).toThrow(TypeError);
    expect(() => new VerpTokens([''], DOMAIN)).toThrow(TypeError);
    expect(() => new VerpTokens([KEY], 'bad domain@x')).toThrow(TypeError);
  });
});

describe('our Message-ID as a fallback identifier', () => {
  const builder = new MessageBuilder({ mailFrom: 'Tidings <newsletter@example.org>', secretKey: KEY, listUnsubscribeMailto: undefined }, 31, 'An issue');

  test('verifies what MessageBuilder writes, with the current or a previous key', () => {
    const id = builder.messageId(4567);
    expect(verifyTidingsMessageId(id, [KEY])).toEqual({ issueId: 31, subscriberId: 4567 });
    expect(verifyTidingsMessageId(id, [OLD, KEY])).toEqual({ issueId: 31, subscriberId: 4567 });
    expect(verifyTidingsMessageId(id.toUpperCase(), [KEY])).toEqual({ issueId: 31, subscriberId: 4567 });
  });

  test('refuses other keys, edited ids, test sends and foreign Message-IDs', () => {
    const id = builder.messageId(4567);
    expect(verifyTidingsMessageId(id, [OLD])).toBeNull();
    expect(verifyTidingsMessageId(id.replace('.s4567.', '.s4568.'), [KEY])).toBeNull();
    expect(verifyTidingsMessageId(builder.messageId(-12345), [KEY])).toBeNull();
    expect(verifyTidingsMessageId('<CAF=abc@mail.gmail.com>', [KEY])).toBeNull();
  });
});
