/**
 * Newsletter MIME messages, built for speed: each variant's body is encoded ONCE into a template of
 * literal byte segments and placeholder slots; per recipient only a few header lines and the
 * escaped link values are spliced in. Encoding the HTML per recipient (nodemailer's default
 * quoted-printable) costs several times the SMTP handoff itself (docs/performance.md).
 *
 * To make splicing safe the HTML is made 7-bit (non-ASCII as numeric character references) with
 * lines of at most MAX_LINE octets (long lines wrapped at existing spaces, which HTML treats like a
 * line break). A part that cannot be made safe that way falls back to quoted-printable encoding per
 * recipient: slower, never wrong.
 */
import { createHmac, randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWords } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { escapeHtml } from '../escape';
import { personalize, type RecipientValues } from '../rendering/personalize';

// Well below SMTP's 998: leaves room for the link values spliced into a line.
const MAX_LINE = 700;
const PLACEHOLDER_RE = /\[\[tidings:([a-z_]+(?::[a-z0-9-]+)?)\]\]/g;

type Segment = Buffer | { key: string };

interface Part {
  contentType: string;
  mode: 'html' | 'text';
  /** 'splice': segments already encoded; 'qp': personalise then quoted-printable per recipient. */
  encoding: '7bit' | '8bit' | 'quoted-printable';
  segments: Segment[];
  template: string;
}

export interface CompiledVariant {
  readonly topics: string;
  readonly subject: string;
  /** Nothing in this issue for these topics: the reader is skipped, not mailed. */
  readonly empty: boolean;
  readonly boundary: string;
  readonly parts: readonly Part[];
  /** Whether every part is spliced (the fast path). */
  readonly fast: boolean;
}

export interface VariantSource {
  topics: string;
  subject: string;
  html: string;
  text: string;
  empty: boolean;
}

/** Non-ASCII as numeric character references: the HTML part then needs no transfer encoding. */
function asciiHtml(html: string): string {
  // eslint-disable-next-line no-control-regex
  return html.replace(/[^\x00-\x7e]/gu, (ch) => `&#${ch.codePointAt(0)};`);
}

/** Wraps lines longer than MAX_LINE at spaces; undefined when a line has no space to break at. */
function wrapLines(body: string): string | undefined {
  const out: string[] = [];
  for (let line of body.split(/\r?\n/)) {
    while (line.length > MAX_LINE) {
      const cut = line.lastIndexOf(' ', MAX_LINE);
      if (cut <= 0) return undefined;
      out.push(line.slice(0, cut));
      line = line.slice(cut + 1);
    }
    out.push(line);
  }
  return out.join('\r\n');
}

function toSegments(body: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const m of body.matchAll(PLACEHOLDER_RE)) {
    if (m.index > last) segments.push(Buffer.from(body.slice(last, m.index), 'utf8'));
    segments.push({ key: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < body.length) segments.push(Buffer.from(body.slice(last), 'utf8'));
  return segments;
}

/**
 * A CSS line in a <style> block that starts with a dot (`.mj-column-per-100 {`) gets a leading
 * space: the same CSS, but the line no longer needs SMTP dot-stuffing, so the DATA stream can pass
 * the template's bytes on for every recipient without copying them (src/sending/data-stuffing.ts).
 */
function unstuffableStyles(html: string): string {
  return html.replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, (block) => block.replace(/\n\./g, '\n .'));
}

function compilePart(body: string, mode: 'html' | 'text'): Part {
  const contentType = mode === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
  const source = mode === 'html' ? unstuffableStyles(asciiHtml(body)) : body;
  const wrapped = wrapLines(source);
  if (wrapped === undefined) {
    return { contentType, mode, encoding: 'quoted-printable', segments: [], template: source };
  }
  // eslint-disable-next-line no-control-regex
  const encoding = /^[\x00-\x7f]*$/.test(wrapped) ? '7bit' : '8bit';
  return { contentType, mode, encoding, segments: toSegments(wrapped), template: wrapped };
}

export function compileVariant(v: VariantSource): CompiledVariant {
  const parts = [compilePart(v.text, 'text'), compilePart(v.html, 'html')];
  return {
    topics: v.topics,
    subject: v.subject,
    empty: v.empty,
    boundary: `tidings-${randomBytes(12).toString('hex')}`,
    parts,
    fast: parts.every((p) => p.encoding !== 'quoted-printable'),
  };
}

/** A value spliced into a 7/8-bit part: escaped for HTML (and 7-bit there), no line breaks. */
function spliceValue(value: string, mode: 'html' | 'text'): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return mode === 'html' ? asciiHtml(escapeHtml(flat)) : flat;
}

function renderPart(part: Part, values: RecipientValues): Buffer[] {
  const head = Buffer.from(
    `Content-Type: ${part.contentType}\r\nContent-Transfer-Encoding: ${part.encoding}\r\n\r\n`,
  );
  if (part.encoding === 'quoted-printable') {
    return [head, Buffer.from(qpWrap(qpEncode(personalize(part.template, values, part.mode)), 76))];
  }
  const out: Buffer[] = [head];
  for (const seg of part.segments) {
    out.push(Buffer.isBuffer(seg) ? seg : Buffer.from(spliceValue(values[seg.key] ?? '', part.mode), 'utf8'));
  }
  return out;
}

/** Template segments at least this large travel as they are; smaller pieces are joined. */
const SHARE_AT = 4096;

function coalesce(pieces: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let run: Buffer[] = [];
  const flush = () => {
    if (run.length) out.push(run.length === 1 ? run[0]! : Buffer.concat(run));
    run = [];
  };
  for (const p of pieces) {
    if (p.length >= SHARE_AT) {
      flush();
      out.push(p);
    } else run.push(p);
  }
  flush();
  return out;
}

export interface MessageContext {
  /** MAIL_FROM as configured, e.g. `Tidings <newsletter@example.com>`. */
  mailFrom: string;
  secretKey: string;
  listUnsubscribeMailto: string | undefined;
}

export interface Recipient {
  subscriberId: number;
  email: string;
  values: RecipientValues & { unsubscribe_url: string };
}

/** Builds messages for one issue; cheap per recipient. */
export class MessageBuilder {
  readonly fromAddress: string;
  readonly domain: string;
  private readonly fromHeader: string;

  constructor(
    private readonly ctx: MessageContext,
    private readonly issueId: number,
    issueTitle: string,
  ) {
    const parsed = addressparser(ctx.mailFrom, { flatten: true })[0];
    this.fromAddress = parsed && 'address' in parsed && parsed.address ? parsed.address : 'newsletter@localhost';
    this.domain = this.fromAddress.split('@')[1] ?? 'localhost';
    const rawName = parsed?.name ?? '';
    const name = !rawName
      ? ''
      : /^[\x20-\x7e]*$/.test(rawName)
        ? `"${rawName.replace(/["\\]/g, '\\$&')}"`
        : encodeWords(rawName, 'Q', 52);
    this.fromHeader = name ? `${name} <${this.fromAddress}>` : this.fromAddress;
    this.listId = `${encodeWords(issueTitle.slice(0, 60).replace(/[\r\n<>]/g, ' '), 'Q', 52)} <tidings.${this.domain}>`;
  }

  private readonly listId: string;

  /**
   * Stable per (issue, subscriber): a re-send after an uncertain handoff carries the same id, so a
   * receiving system can recognise the duplicate. The MAC keeps ids unguessable.
   */
  messageId(subscriberId: number): string {
    const mac = createHmac('sha256', this.ctx.secretKey).update(`msgid:${this.issueId}:${subscriberId}`).digest('hex').slice(0, 16);
    return `<tidings.i${this.issueId}.s${subscriberId}.${mac}@${this.domain}>`;
  }

  /** The whole message as one buffer. */
  build(variant: CompiledVariant, r: Recipient): Buffer {
    return Buffer.concat(this.buildChunks(variant, r));
  }

  /**
   * The message as a few buffers: the variant's large template segments are passed by reference,
   * everything between them (headers, links, small segments) is joined into one small buffer, so
   * a recipient's message costs a few hundred bytes of new memory instead of a copy of the body.
   */
  buildChunks(variant: CompiledVariant, r: Recipient): Buffer[] {
    const unsub = [`<${r.values.unsubscribe_url}>`];
    if (this.ctx.listUnsubscribeMailto) unsub.push(`<mailto:${this.ctx.listUnsubscribeMailto}?subject=unsubscribe>`);
    const headers =
      `From: ${this.fromHeader}\r\n` +
      `To: ${r.email}\r\n` +
      `Subject: ${encodeWords(variant.subject.replace(/[\r\n]+/g, ' '), 'Q', 52)}\r\n` +
      `Date: ${new Date().toUTCString().replace(/GMT$/, '+0000')}\r\n` +
      `Message-ID: ${this.messageId(r.subscriberId)}\r\n` +
      `MIME-Version: 1.0\r\n` +
      `List-Unsubscribe: ${unsub.join(', ')}\r\n` +
      `List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n` +
      `List-Id: ${this.listId}\r\n` +
      `Precedence: bulk\r\n` +
      `Content-Type: multipart/alternative; boundary="${variant.boundary}"\r\n\r\n`;
    const pieces: Buffer[] = [Buffer.from(headers, 'utf8')];
    for (const part of variant.parts) {
      pieces.push(Buffer.from(`--${variant.boundary}\r\n`));
      pieces.push(...renderPart(part, r.values));
      pieces.push(Buffer.from('\r\n'));
    }
    pieces.push(Buffer.from(`--${variant.boundary}--\r\n`));
    return coalesce(pieces);
  }
}
