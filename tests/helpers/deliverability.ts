/** Fixtures and keys shared by the deliverability tests (tests/deliverability-*.test.ts). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/errors';
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

/** A provider fixture (JSON text) with the placeholders filled. */
export function jsonFixture(name: string): string {
  return fixtureText(name)
    .replaceAll('{{VERP}}', VERP_ADDRESS)
    .replaceAll('{{MESSAGE_ID}}', MESSAGE_ID)
    .replaceAll('{{MESSAGE_ID_BARE}}', MESSAGE_ID.slice(1, -1));
}

/** The AppError `fn` throws (the test fails if it throws nothing or something else). */
export function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

/**
 * A self-signed RSA certificate and its key, made by openssl at test time (Node can create keys
 * but not X.509 certificates). Nothing is committed: a private key in the repository would be
 * flagged by secret scanners and look like a real credential. openssl is on every Debian image.
 */
export function selfSignedCert(days = 2): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', '/CN=sns.amazonaws.com'], {
      stdio: 'pipe',
      timeout: 30_000,
    });
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How long `fn` takes, in milliseconds. */
export function timed<T>(fn: () => T): { result: T; ms: number } {
  const t = process.hrtime.bigint();
  const result = fn();
  return { result, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}
