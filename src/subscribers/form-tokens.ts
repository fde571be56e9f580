/**
 * CSRF tokens for the cookie-less token pages (confirm, preferences). There is no session to bind a
 * token to, so each form token is an HMAC of the page's own link token: only a page this server
 * rendered for that link carries a valid one, and a cross-site form cannot read it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type FormPurpose = 'confirm' | 'preferences';

export class FormTokens {
  private readonly keys: Buffer[];

  /** `secretKeys`: the signing key first, then earlier keys (a page shown before a rotation still posts). */
  constructor(secretKeys: readonly string[]) {
    // A key of its own, derived from SECRET_KEY, so a form token can never double as a link token.
    this.keys = secretKeys.map((k) => createHmac('sha256', k).update('tidings-form-tokens-v1').digest());
  }

  private mac(key: Buffer, purpose: FormPurpose, linkToken: string): Buffer {
    return createHmac('sha256', key).update(`${purpose}\n${linkToken}`).digest().subarray(0, 18);
  }

  sign(purpose: FormPurpose, linkToken: string): string {
    return this.mac(this.keys[0]!, purpose, linkToken).toString('base64url');
  }

  verify(purpose: FormPurpose, linkToken: string, given: unknown): boolean {
    if (typeof given !== 'string' || given.length !== 24) return false;
    const a = Buffer.from(given, 'base64url');
    return this.keys.some((key) => {
      const b = this.mac(key, purpose, linkToken);
      return a.length === b.length && timingSafeEqual(a, b);
    });
  }
}
