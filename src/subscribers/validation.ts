/**
 * Input rules shared by the form, the JSON API and the CSV import. Addresses are checked the way a
 * careful sender does: RFC 5321 lengths, no control characters, exactly one address as nodemailer
 * itself would read it (so what we store is what we will later hand to the SMTP server).
 */
import addressparser from 'nodemailer/lib/addressparser';
import { ValidationError } from '../errors';
import { canonicalZone } from '../timezones';

export const MAX_LOCAL = 64;
export const MAX_ADDRESS = 254;
export const MAX_NAME = 100;

// C0, DEL and C1 controls, plus Unicode line/paragraph separators and bidi overrides: none of them
// belongs in an address or a display name, and CR/LF would be header injection.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// A dot-atom local part (RFC 5322 atext); quoted local parts are refused: real readers do not use them.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Letters of any script are allowed in labels (IDN); nodemailer punycodes them when sending.
const LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;
// Letters, digits and . _ + - around one '@': nothing nodemailer's addressparser treats specially
// (no quotes, comments, brackets, separators or whitespace), so it would hand the value back as
// the one address it is. Such values skip the parser, which costs ~9 µs an address — a second per
// 100,000-row import; tests/readers-case.test.ts checks the two agree. Every other check still runs.
const PLAIN = /^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+$/;

/** Exactly one address, as nodemailer reads `value`, and it is `value` itself. */
export function isSingleAddress(value: string, field: string): true {
  if (PLAIN.test(value)) return true;
  const parsed = addressparser(value);
  if (parsed.length > 1 || parsed[0]?.group) {
    throw new ValidationError('Enter exactly one email address, like name@example.com.', field, 'invalid_email');
  }
  if (parsed.length !== 1 || parsed[0]!.name || parsed[0]!.address !== value) {
    throw new ValidationError('Enter a valid email address, like name@example.com.', field, 'invalid_email');
  }
  return true;
}

/** A normalised address (domain lower-cased) or a ValidationError naming `field`. */
export function normalizeEmail(input: unknown, field = 'email'): string {
  if (typeof input !== 'string') throw new ValidationError('Enter your email address.', field, 'invalid_email');
  const value = input.trim();
  if (!value) throw new ValidationError('Enter your email address.', field, 'invalid_email');
  // Checked on the raw input: trim() would silently drop a trailing U+2028.
  if (CONTROL.test(input) || /\s/.test(value)) {
    throw new ValidationError('The email address contains characters that are not allowed.', field, 'invalid_email');
  }
  if (value.length > MAX_ADDRESS) throw new ValidationError('The email address is too long.', field, 'invalid_email');
  isSingleAddress(value, field);
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (at < 1 || !LOCAL.test(local) || local.length > MAX_LOCAL) {
    throw new ValidationError('Enter a valid email address, like name@example.com.', field, 'invalid_email');
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw new ValidationError('Enter a valid email address, like name@example.com.', field, 'invalid_email');
  }
  const email = `${local}@${domain}`;
  // Length counts octets on the wire, not UTF-16 units.
  if (Buffer.byteLength(email, 'utf8') > MAX_ADDRESS) {
    throw new ValidationError('The email address is too long.', field, 'invalid_email');
  }
  return email;
}

/** An optional display name: trimmed, ≤ 100 characters, no control characters; '' → null. */
export function normalizeName(input: unknown, field = 'name'): string | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'string') throw new ValidationError('The name must be text.', field, 'invalid_name');
  if (CONTROL.test(input)) throw new ValidationError('The name contains characters that are not allowed.', field, 'invalid_name');
  const name = input.trim().replace(/\s+/g, ' ');
  if ([...name].length > MAX_NAME) throw new ValidationError(`The name must be at most ${MAX_NAME} characters.`, field, 'invalid_name');
  return name || null;
}

/** An optional IANA time zone (API, CSV import, preferences): canonical spelling; '' → null. */
export function normalizeTimezone(input: unknown, field = 'timezone'): string | null {
  if (input === undefined || input === null || input === '') return null;
  const zone = typeof input === 'string' ? canonicalZone(input.trim()) : undefined;
  if (!zone) throw new ValidationError('timezone must be an IANA time zone name such as Europe/Brussels.', field, 'invalid_timezone');
  return zone;
}

/** The subscribe form's browser-filled zone: usable or nothing. */
export function lenientTimezone(input: unknown): string | null {
  return typeof input === 'string' ? (canonicalZone(input.trim()) ?? null) : null;
}

/**
 * Topics from a form (string or string[]) or JSON (string[]): every one known, de-duplicated,
 * sorted; at least one unless `allowEmpty`.
 */
export function normalizeTopics(
  input: unknown,
  known: readonly string[],
  opts: { allowEmpty?: boolean; field?: string } = {},
): string[] {
  const field = opts.field ?? 'topics';
  const list = input === undefined || input === null ? [] : typeof input === 'string' ? [input] : input;
  if (!Array.isArray(list) || list.length > 64 || !list.every((t): t is string => typeof t === 'string')) {
    throw new ValidationError('Topics must be a list of topic names.', field, 'invalid_topics');
  }
  const unknown = list.filter((t) => !known.includes(t));
  if (unknown.length) {
    throw new ValidationError(`Unknown topic: ${unknown[0]!.slice(0, 40)}.`, field, 'unknown_topic');
  }
  const topics = [...new Set(list)].sort();
  if (!topics.length && !opts.allowEmpty) throw new ValidationError('Pick at least one topic.', field, 'no_topics');
  return topics;
}
