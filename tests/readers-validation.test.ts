/**
 * The address fast path (src/subscribers/validation.ts) skips nodemailer's addressparser for plain
 * addresses; it must never accept a value the parser would read differently. Checked on generated
 * addresses over the fast path's alphabet, and the suppression hash on a known value.
 */
import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { emailHash } from '../src/subscribers/email-hash';
import { normalizeEmail } from '../src/subscribers/validation';
import { mulberry32 } from './helpers/random';

const ALPHABET = 'aZ09._+-';
const pick = (rnd: () => number, s: string) => s[Math.floor(rnd() * s.length)]!;

describe('address fast path', () => {
  it('accepts only what addressparser reads as that very address', () => {
    const rnd = mulberry32(42);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const part = (n: number, chars: string) => Array.from({ length: 1 + Math.floor(rnd() * n) }, () => pick(rnd, chars)).join('');
      // Locals and labels mostly well-formed, sometimes with dots or hyphens where they must not be.
      const value = `${part(8, ALPHABET)}@${part(6, 'aZ09-')}.${part(4, 'aZ0-.')}`;
      let email: string | undefined;
      try {
        email = normalizeEmail(value);
      } catch {
        continue;
      }
      accepted++;
      expect(addressparser(value)).toEqual([{ address: value, name: '' }]);
      expect(email).toBe(value.replace(/@.*/, (d) => d.toLowerCase()));
    }
    // The generator must reach the accepting branch often enough to mean something.
    expect(accepted).toBeGreaterThan(500);
  });

  it('still refuses what the parser reads as several addresses or with a name', () => {
    for (const bad of ['a@b.org,c@d.org', 'a@b.org;c@d.org', 'Ann <a@b.org>', 'a@b.org (x)', '"a"@b.org', 'g: a@b.org;', 'a@@b.org', 'a@b.org.', '.a@b.org']) {
      expect(() => normalizeEmail(bad)).toThrow();
    }
  });

  it('hashes the case-folded address with SHA-256', () => {
    expect(emailHash(' Ann@Example.org ')).toEqual(createHash('sha256').update('ann@example.org', 'utf8').digest());
    expect(emailHash('Zoë@exämple.org')).toEqual(createHash('sha256').update('zoë@exämple.org', 'utf8').digest());
  });
});
