/**
 * A small MIME tree walker for inbound reports, with hard limits on size, depth, part count and
 * header size, linear in the input at each level (so at most maxDepth passes over the bytes).
 *
 * Why not mailparser (already a dependency, used by the local mailbox)? It decodes and buffers
 * every part, and it runs a per-line pipeline: a 5 MB report of short lines blocked the event loop
 * for 3 s in one piece, and it has no nesting-depth limit of its own (only a part count). A bounce
 * receiver is a public endpoint; it needs only the report's few header-block parts and the first
 * text part, so this walker splits on boundaries with indexOf, keeps bodies as slices of the input
 * and decodes only what the classifier asks for. message/rfc822 parts are not descended into: only
 * their header block matters (which delivery was it?), so a bomb of nested messages costs nothing.
 */
import { decodeCharset, decodeTransfer, parseContentType } from './decode';
import { Headers, parseHeaderBlock, splitHeaderBody } from './headers';

export interface MimeLimits {
  /** The whole message, in octets. */
  maxBytes: number;
  /** Nesting of multiparts below the top level. */
  maxDepth: number;
  /** Parts in the whole tree, the top level included. */
  maxParts: number;
  /** One part's header block, in octets. */
  maxHeaderBytes: number;
}

/**
 * Generous for real reports (a DSN is 2–4 parts, with the returned message usually under 200 kB)
 * and small enough that parsing the worst case stays in the low milliseconds.
 */
export const DEFAULT_MIME_LIMITS: Readonly<MimeLimits> = Object.freeze({
  maxBytes: 2 * 1024 * 1024,
  maxDepth: 8,
  maxParts: 64,
  maxHeaderBytes: 64 * 1024,
});

export type MalformedReason = 'empty' | 'too_large' | 'too_deep' | 'too_many_parts' | 'header_too_large' | 'bad_multipart' | 'bad_report';

export interface MimePart {
  headers: Headers;
  /** Lowercased `type/subtype`. */
  type: string;
  params: ReadonlyMap<string, string>;
  /** The body as it arrived (binary string, still transfer-encoded). */
  body: string;
  /** Sub-parts of a multipart; empty for everything else. */
  children: readonly MimePart[];
  depth: number;
}

export type MimeResult = { ok: true; root: MimePart } | { ok: false; reason: MalformedReason; detail: string };

class Malformed extends Error {
  constructor(
    readonly reason: MalformedReason,
    detail: string,
  ) {
    super(detail);
  }
}

/** A boundary as RFC 2046 §5.1.1 allows it (1–70 characters), with room for sloppy senders. */
const BOUNDARY = /^[^\r\n]{1,200}$/;

/**
 * The [start, end) ranges of a multipart body's parts. A delimiter is `--boundary` at the start of
 * a line, followed only by whitespace (or `--` for the last one). The line break before a
 * delimiter belongs to it, not to the part. A missing closing delimiter is tolerated (truncated
 * bounces are common): the last part runs to the end.
 */
function splitMultipart(body: string, boundary: string, maxParts: number): Array<[number, number]> {
  const delimiter = '--' + boundary;
  const parts: Array<[number, number]> = [];
  let start = -1;
  let pos = 0;
  for (;;) {
    const i = body.indexOf(delimiter, pos);
    if (i < 0) break;
    pos = i + 1;
    if (i > 0 && body.charCodeAt(i - 1) !== 0x0a) continue;
    let j = i + delimiter.length;
    const closing = body.startsWith('--', j);
    if (closing) j += 2;
    const eol = body.indexOf('\n', j);
    const lineEnd = eol < 0 ? body.length : eol;
    if (!/^[ \t\r]*$/.test(body.slice(j, lineEnd))) continue;
    if (start >= 0) {
      let end = i;
      if (end > start && body.charCodeAt(end - 1) === 0x0a) end--;
      if (end > start && body.charCodeAt(end - 1) === 0x0d) end--;
      parts.push([start, end]);
      if (parts.length > maxParts) throw new Malformed('too_many_parts', `more than ${maxParts} MIME parts`);
    }
    if (closing) return parts;
    start = eol < 0 ? body.length : eol + 1;
    pos = start;
  }
  if (start >= 0) parts.push([start, body.length]);
  return parts;
}

function parsePart(s: string, depth: number, limits: MimeLimits, count: { parts: number }): MimePart {
  if (depth > limits.maxDepth) throw new Malformed('too_deep', `MIME nesting deeper than ${limits.maxDepth}`);
  if (++count.parts > limits.maxParts) throw new Malformed('too_many_parts', `more than ${limits.maxParts} MIME parts`);
  const { headerEnd, bodyStart } = splitHeaderBody(s);
  if (headerEnd > limits.maxHeaderBytes) throw new Malformed('header_too_large', `a header block over ${limits.maxHeaderBytes} bytes`);
  const headers = parseHeaderBlock(s.slice(0, headerEnd));
  const { mime, params } = parseContentType(headers.get('content-type'));
  const body = s.slice(bodyStart);
  if (!mime.startsWith('multipart/')) return { headers, type: mime, params, body, children: [], depth };
  const boundary = params.get('boundary');
  if (!boundary || !BOUNDARY.test(boundary)) throw new Malformed('bad_multipart', `${mime} without a usable boundary`);
  const children = splitMultipart(body, boundary, limits.maxParts).map(([a, b]) => parsePart(body.slice(a, b), depth + 1, limits, count));
  return { headers, type: mime, params, body, children, depth };
}

export function parseMime(raw: Buffer, limits: Readonly<MimeLimits> = DEFAULT_MIME_LIMITS): MimeResult {
  if (raw.length === 0) return { ok: false, reason: 'empty', detail: 'the message is empty' };
  if (raw.length > limits.maxBytes) return { ok: false, reason: 'too_large', detail: `the message is over ${limits.maxBytes} bytes` };
  try {
    return { ok: true, root: parsePart(raw.toString('latin1'), 0, limits, { parts: 0 }) };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: err.reason, detail: err.message };
    throw err;
  }
}

/** The parts of a tree, depth first, not descending into message/rfc822 (which stays a leaf). */
export function* walk(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.children) yield* walk(child);
}

/** A part's body as text: transfer encoding undone, charset decoded (UTF-8 when undeclared). */
export function textOf(part: MimePart): string {
  return decodeCharset(decodeTransfer(part.body, part.headers.get('content-transfer-encoding')), part.params.get('charset'));
}

/**
 * A part whose body is itself a block of header fields (delivery-status, feedback-report): the
 * transfer encoding undone, left as a binary string for parseHeaderBlock, which decodes 8-bit
 * values as UTF-8 (message/global-delivery-status, RFC 6533).
 */
export function fieldsOf(part: MimePart): string {
  return decodeTransfer(part.body, part.headers.get('content-transfer-encoding')).toString('latin1');
}
