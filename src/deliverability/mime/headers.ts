/**
 * Header blocks: the top of a message or MIME part, and also the bodies of the report parts
 * (message/delivery-status, message/feedback-report, text/rfc822-headers), which RFC 3464 and
 * RFC 5965 define as blocks of header fields. Input is a "binary string" (one char per octet,
 * latin1), so offsets are byte offsets and nothing is decoded until a value is asked for.
 */

export interface HeaderField {
  /** Lowercased field name. */
  name: string;
  /** Unfolded value, leading and trailing whitespace trimmed; 8-bit octets decoded as UTF-8. */
  value: string;
}

export class Headers {
  constructor(readonly fields: readonly HeaderField[]) {}

  get(name: string): string | undefined {
    const n = name.toLowerCase();
    return this.fields.find((f) => f.name === n)?.value;
  }

  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.fields.filter((f) => f.name === n).map((f) => f.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

// Printable US-ASCII except colon (RFC 5322 §2.2 ftext).
const FIELD_NAME = /^[!-9;-~]+$/;

/**
 * Octets above 0x7f in a header are UTF-8 (RFC 6532) far more often than anything else. Only a
 * binary string (every char ≤ 0xff) is re-read; text that is already decoded is left alone.
 */
function eightBit(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  return Buffer.from(value, 'latin1').toString('utf8');
}

/**
 * Parses a block of header fields. Continuation lines (starting with space or tab) are unfolded;
 * lines that are not fields (an mbox "From " line, garbage) are skipped rather than fatal, because
 * reports come from every MTA ever written.
 */
export function parseHeaderBlock(block: string): Headers {
  const fields: HeaderField[] = [];
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name !== undefined) fields.push({ name, value: eightBit(value.trim()) });
    name = undefined;
  };
  for (const line of block.split(/\r?\n/)) {
    if (line.length === 0) continue;
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      if (name !== undefined) value += ' ' + line.trim();
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    const candidate = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (FIELD_NAME.test(candidate)) {
      name = candidate.toLowerCase();
      value = line.slice(colon + 1);
    }
  }
  flush();
  return new Headers(fields);
}

/**
 * Where the header block of `s` ends: the index just past its last line and where the body
 * starts. A part with no empty line is all header (the body is empty), as in a
 * text/rfc822-headers part.
 */
export function splitHeaderBody(s: string): { headerEnd: number; bodyStart: number } {
  // A part that starts with an empty line has no header fields at all.
  if (s.startsWith('\r\n')) return { headerEnd: 0, bodyStart: 2 };
  if (s.startsWith('\n')) return { headerEnd: 0, bodyStart: 1 };
  const crlf = s.indexOf('\n\r\n');
  const lf = s.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return { headerEnd: s.length, bodyStart: s.length };
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return { headerEnd: crlf + 1, bodyStart: crlf + 3 };
  return { headerEnd: lf + 1, bodyStart: lf + 2 };
}

/** The address inside angle brackets, or the value itself trimmed: `<a@b>` and `a@b` alike. */
export function bareAddress(value: string): string {
  const m = /<([^<>]*)>/.exec(value);
  return (m ? m[1]! : value).trim();
}
