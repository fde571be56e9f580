/**
 * The decoding a report parser needs and nothing more: Content-Type parameters, the two transfer
 * encodings (base64, quoted-printable), charsets through the WHATWG TextDecoder that Node ships,
 * and RFC 2047 encoded words (an out-of-office subject is often `=?UTF-8?Q?…?=`). Every function
 * is linear in its input and never throws on bad bytes: a broken report decodes to replacement
 * characters, not to an exception.
 */

export interface ContentType {
  /** Lowercased `type/subtype`; `text/plain` when the header is missing or unreadable. */
  mime: string;
  /** Lowercased parameter names → values (quotes removed). A Map, so `__proto__` is just a name. */
  params: ReadonlyMap<string, string>;
}

/** Parses `type/subtype; name=value; name="quoted \"value\""`. First occurrence of a name wins. */
export function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (!value) return { mime: 'text/plain', params };
  const semi = value.indexOf(';');
  const head = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const mime = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(head) ? head : 'text/plain';
  let i = semi < 0 ? value.length : semi + 1;
  while (i < value.length) {
    while (i < value.length && /[\s;]/.test(value[i]!)) i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) break;
    const name = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
    let v = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        v += value[i];
        i++;
      }
      i++; // closing quote
      const next = value.indexOf(';', i);
      i = next < 0 ? value.length : next;
    } else {
      const next = value.indexOf(';', i);
      v = value.slice(i, next < 0 ? value.length : next).trim();
      i = next < 0 ? value.length : next;
    }
    if (name && !params.has(name)) params.set(name, v);
  }
  return { mime, params };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Quoted-printable (RFC 2045 §6.7), lenient: a stray '=' is kept as it is. */
export function decodeQuotedPrintable(s: string, underscoreIsSpace = false): Buffer {
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
      // A soft line break: '=' and optional trailing blanks before the end of the line.
      let j = i + 1;
      while (j < s.length && (s.charCodeAt(j) === 0x20 || s.charCodeAt(j) === 0x09)) j++;
      if (j >= s.length || s.charCodeAt(j) === 0x0a || (s.charCodeAt(j) === 0x0d && s.charCodeAt(j + 1) === 0x0a)) {
        i = s.charCodeAt(j) === 0x0d ? j + 1 : j;
        continue;
      }
    }
    out[n++] = underscoreIsSpace && c === 0x5f ? 0x20 : c & 0xff;
  }
  return out.subarray(0, n);
}

/** A body (binary string) decoded from its Content-Transfer-Encoding into octets. */
export function decodeTransfer(body: string, encoding: string | undefined): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (e === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1'); // 7bit, 8bit, binary, or anything unknown: as it came
}

/**
 * Octets in a declared charset → text. An unknown label (or UTF-7, which TextDecoder does not
 * offer and which can smuggle markup past filters) falls back to UTF-8 with replacement characters.
 */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase() || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * RFC 2047 encoded words in a header value. Adjacent words in one charset are joined as octets
 * before decoding, because senders split multi-byte characters across words.
 */
export function decodeEncodedWords(value: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
  const v = value.replace(/\?=[ \t]+=\?/g, '?==?');
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (pending) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const m of v.matchAll(ENCODED_WORD)) {
    if (m.index > last) {
      flush();
      out += v.slice(last, m.index);
    }
    const charset = m[1]!.split('*')[0]!.toLowerCase(); // RFC 2231 language suffix
    const bytes = m[2]!.toLowerCase() === 'b' ? Buffer.from(m[3]!, 'base64') : decodeQuotedPrintable(m[3]!, true);
    if (pending && pending.charset !== charset) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = m.index + m[0].length;
  }
  flush();
  return out + v.slice(last);
}
