/**
 * The conservative fallback for bounces that are not RFC 3464 reports (qmail, old Exim, some
 * appliances): it trusts only a status code written where a bounce writes one —
 *
 *   Status: 5.1.1                                   a DSN-style line
 *   550 5.1.1 <reader@example.com>: user unknown    an SMTP reply with its enhanced code
 *   550-5.1.1 …, #550 5.1.1 …, < #5.1.1 smtp;550 …> the same in other MTAs' spelling
 *
 * — never a bare dotted number (a version, an IP address). If any code found is temporary
 * (4.x.x) the outcome is soft, even when a 5.x.x appears too: a guess must not suppress an
 * address on the strength of a temporary failure. The returned copy of our own message, which
 * follows a marker line in these bounces, is not searched.
 */
import { enhancedStatus, statusClass } from '../status';

export interface FallbackStatus {
  outcome: 'hard' | 'soft';
  status: string;
  evidence: string;
}

const SCAN_LIMIT = 256 * 1024;

// Where the returned copy of the original message starts, in the bounces of common MTAs. One
// optional run of dashes between blanks, never two quantifiers in a row over one character: linear.
const ORIGINAL_MARKER =
  /^[ \t]*(?:[-=]+[ \t]*)?(?:this is a copy of the (?:original )?message|below this line is a copy of the message|(?:begin )?(?:returned|original|undelivered) message|the original message was received)/im;

const STATUS_LINE = /^[ \t]*status:[ \t]*([245]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)/gim;
// A reply code and the enhanced code of the same class after it, or Exchange's `#5.1.1`.
const REPLY_WITH_CODE = /(?:^|[^\d])#?([45])\d\d[ -]#?([45]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)|#([45]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)/gm;

/** Where the quoted original starts: the marker line's first index and the index after that line. */
export function originalMarker(text: string): { start: number; after: number } | undefined {
  const m = ORIGINAL_MARKER.exec(text.slice(0, SCAN_LIMIT));
  if (!m) return undefined;
  const eol = text.indexOf('\n', m.index);
  return { start: m.index, after: eol < 0 ? text.length : eol + 1 };
}

/** The text before the returned original, bounded. */
export function bounceText(text: string): string {
  return text.slice(0, originalMarker(text)?.start ?? SCAN_LIMIT);
}

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text
    .slice(start, end < 0 ? text.length : end)
    .trim()
    .slice(0, 300);
}

export function scanForStatus(fullText: string): FallbackStatus | undefined {
  const text = bounceText(fullText);
  const found: Array<{ status: string; index: number }> = [];
  for (const m of text.matchAll(STATUS_LINE)) found.push({ status: m[1]!, index: m.index });
  for (const m of text.matchAll(REPLY_WITH_CODE)) {
    const enhanced = m[2] ?? m[3]!;
    // `550 4.2.2` is contradictory; such a pair proves nothing.
    if (m[1] !== undefined && m[1] !== enhanced[0]) continue;
    found.push({ status: enhanced, index: m.index });
  }
  const decisive = found.filter((f) => statusClass(enhancedStatus(f.status)) !== '2').sort((a, b) => a.index - b.index);
  if (decisive.length === 0) return undefined;
  const temporary = decisive.find((f) => f.status.startsWith('4'));
  const chosen = temporary ?? decisive[0]!;
  return { outcome: temporary ? 'soft' : 'hard', status: chosen.status, evidence: lineAround(text, chosen.index) };
}
