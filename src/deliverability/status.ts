/**
 * SMTP status codes as reports carry them: enhanced codes (RFC 3463, `class.subject.detail`) and
 * basic reply codes (RFC 5321, `550`). One place decides what a class means for suppression:
 * only class 5 is permanent; class 4 never suppresses on its own.
 */

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;
/** An enhanced code inside free text, e.g. in `smtp; 550 5.1.1 <a@b>: user unknown`. */
// Not part of a longer dotted number (an IP address, a version): the lookarounds look one or two
// characters each way only, so the scan stays linear on any input.
const ENHANCED_IN_TEXT = /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)/;
/** A basic reply code at the start of a diagnostic, after an optional `smtp;` type. */
const BASIC_AT_START = /^\s*(?:[a-z-]+\s*;\s*)?#?([245])\d\d(?:[\s-]|$)/i;

export type StatusClass = '2' | '4' | '5';

/** The enhanced code if `value` starts with one (`5.1.1 (user unknown)` → `5.1.1`), else undefined. */
export function enhancedStatus(value: string | undefined): string | undefined {
  const first = value?.trim().split(/[\s(]/, 1)[0];
  return first && ENHANCED.test(first) ? first : undefined;
}

export function statusClass(status: string | undefined): StatusClass | undefined {
  const m = status ? ENHANCED.exec(status) : null;
  return m ? (m[1] as StatusClass) : undefined;
}

/**
 * What a diagnostic text says about permanence: the class of its enhanced code if it has one,
 * else of the basic reply code it starts with (`smtp; 550 …`), else undefined.
 */
export function diagnosticClass(text: string | undefined): StatusClass | undefined {
  if (!text) return undefined;
  const e = ENHANCED_IN_TEXT.exec(text);
  if (e) return e[1]![0] as StatusClass;
  const b = BASIC_AT_START.exec(text);
  return b ? (b[1] as StatusClass) : undefined;
}

/** The first enhanced code inside a text, if any. */
export function enhancedStatusIn(text: string | undefined): string | undefined {
  const e = text ? ENHANCED_IN_TEXT.exec(text) : null;
  return e ? e[1] : undefined;
}
