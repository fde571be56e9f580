/**
 * CSRF tokens for the cookie-less token pages (confirm, preferences). There is no session to bind a
 * token to, so each form token is an HMAC of the page's own link token: only a page this server
 * rendered for that link carries a valid one, and a cross-site form cannot read it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type FormPurpose = 'confirm' | 'preferences';

export class FormTokens {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    // A key of its own, derived from SECRET_KEY, so a form token can never double as a link token.
    this.key = createHmac('sha256', secretKey).update('tidings-form-tokens-v1').digest();
  }

  sign(purpose: FormPurpose, linkToken: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${linkToken}`).digest().subarray(0, 18).toString('base64url');
  }

  verify(purpose: FormPurpose, linkToken: string, given: unknown): boolean {
    if (typeof given !== 'string' || given.length !== 24) return false;
    const a = Buffer.from(given, 'base64url');
    const b = Buffer.from(this.sign(purpose, linkToken), 'base64url');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
