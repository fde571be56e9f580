/** Fixtures and keys shared by the deliverability tests (tests/deliverability-*.test.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VerpTokens } from '../../src/deliverability/verp';
import { MessageBuilder } from '../../src/sending/message';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'deliverability');
export const SECRET = 'test-secret-key-for-deliverability-0123456789';
export const BOUNCE_DOMAIN = 'bounce.example.org';
export const verp = new VerpTokens([SECRET], BOUNCE_DOMAIN);

/** The delivery every .eml fixture is about: send 12, subscriber 7 (issue 3). */
export const DELIVERY = { kind: 'delivery', sendId: 12, subscriberId: 7 } as const;
export const ISSUE_ID = 3;
export const VERP_ADDRESS = verp.address(DELIVERY);
/** Made by the real MessageBuilder, so the fixtures carry exactly what Tidings sends. */
export const MESSAGE_ID = new MessageBuilder({ mailFrom: 'China TMT <newsletter@example.org>', secretKey: SECRET, listUnsubscribeMailto: undefined }, ISSUE_ID, 'China TMT').messageId(
  DELIVERY.subscriberId,
);

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** An .eml fixture as SMTP delivers it: placeholders filled, CRLF line endings. */
export function eml(name: string, opts: { lf?: boolean } = {}): Buffer {
  const text = fixtureText(name).replaceAll('{{VERP}}', VERP_ADDRESS).replaceAll('{{MESSAGE_ID}}', MESSAGE_ID);
  return Buffer.from(opts.lf ? text : text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** How long `fn` takes, in milliseconds. */
export function timed<T>(fn: () => T): { result: T; ms: number } {
  const t = process.hrtime.bigint();
  const result = fn();
  return { result, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}
