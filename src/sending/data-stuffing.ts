/**
 * SMTP DATA transparency for the engine's own connections (RFC 5321 §4.5.2): a dot at the start of
 * a line is doubled, bare CR and bare LF become CRLF (a dot after a bare CR is stuffed too, against
 * SMTP smuggling). It produces exactly the bytes of nodemailer's DataStream, which does the same
 * with a JavaScript loop over every byte of every message: profiled, that loop was 28% of a
 * delivering worker's CPU (docs/performance.md). Here `Buffer.indexOf` (native memchr) jumps from
 * line end to line end, and a chunk that needs no change is passed on as it is, without a copy.
 *
 * The stuffed body also leaves in one socket write with its terminating dot: nodemailer writes each
 * chunk as it comes and the dot on its own, and on loopback each write costs the sender the
 * receiver's TCP work too (measured: 6–7 writes per message were the largest item of a delivering
 * worker's profile). The transform therefore holds its output until the end; the engine's bodies
 * are built in memory before DATA anyway, so this costs one copy, not latency.
 *
 * nodemailer builds its DataStream inside SMTPConnection's internal `_createSendStream`, with no
 * option to supply another, so `installFastStuffing` replaces that stream's `_transform` and
 * `_flush` on one connection. It checks the shape it relies on and leaves the connection alone when a nodemailer
 * release changes it (the byte loop then runs, slower and still correct); nodemailer is pinned to
 * an exact version, and tests/data-stuffing.test.ts compares both transforms byte for byte.
 */
import type { Transform, TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const INSERT_LF = Buffer.from('\n');
const INSERT_LF_DOT = Buffer.from('\n.');
const INSERT_CR = Buffer.from('\r');
const INSERT_DOT = Buffer.from('.');

/** The previous byte of the stream, or false before the first byte (start of a line). */
export type PrevByte = number | false;

/**
 * Insertions needed in `chunk`, as [position, bytes] sorted by position. At most one insertion
 * falls on any position (the three rules are mutually exclusive there).
 */
function insertions(chunk: Buffer, prev: PrevByte): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  const first = chunk[0]!;
  // Rules at position 0 depend on the previous chunk's last byte.
  if (prev === CR && first !== LF) out.push([0, first === DOT ? INSERT_LF_DOT : INSERT_LF]);
  else if (first === DOT && (prev === LF || prev === false)) out.push([0, INSERT_DOT]);
  // Every CR not followed by LF inside the chunk: a bare CR.
  for (let p = chunk.indexOf(CR); p !== -1 && p + 1 < chunk.length; p = chunk.indexOf(CR, p + 1)) {
    const next = chunk[p + 1]!;
    if (next !== LF) out.push([p + 1, next === DOT ? INSERT_LF_DOT : INSERT_LF]);
  }
  // Every LF: a bare LF gets its CR; a dot right after any LF is stuffed.
  for (let p = chunk.indexOf(LF); p !== -1; p = chunk.indexOf(LF, p + 1)) {
    const before = p === 0 ? prev : chunk[p - 1]!;
    if (before !== CR) out.push([p, INSERT_CR]);
    if (p + 1 < chunk.length && chunk[p + 1] === DOT) out.push([p + 1, INSERT_DOT]);
  }
  if (out.length > 1) out.sort((a, b) => a[0] - b[0]);
  return out;
}

/** The stuffed form of one chunk (the chunk itself when nothing changes). */
export function stuffChunk(chunk: Buffer, prev: PrevByte): Buffer {
  const ins = insertions(chunk, prev);
  if (ins.length === 0) return chunk;
  const pieces: Buffer[] = [];
  let last = 0;
  for (const [pos, bytes] of ins) {
    if (pos > last) pieces.push(chunk.subarray(last, pos));
    pieces.push(bytes);
    last = pos;
  }
  if (last < chunk.length) pieces.push(chunk.subarray(last));
  return Buffer.concat(pieces);
}

/** The fields of nodemailer's DataStream that its `_flush` and its logging read. */
interface DataStreamLike extends Transform {
  inByteCount: number;
  outByteCount: number;
  lastByte: PrevByte;
  /** Ours: stuffed output held for the single write at the end. */
  held?: Buffer[];
}

function fastTransform(this: DataStreamLike, chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
  if (!chunk || !chunk.length) return done();
  const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  this.inByteCount += buf.length;
  const out = stuffChunk(buf, this.lastByte);
  this.outByteCount += out.length;
  (this.held ??= []).push(out);
  this.lastByte = buf[buf.length - 1]!;
  done();
}

const END_AFTER_LF = Buffer.from('.\r\n');
const END_AFTER_CR = Buffer.from('\n.\r\n');
const END_OTHERWISE = Buffer.from('\r\n.\r\n');

/** nodemailer's terminator rule (the body's last line completed, then the dot), with the held body in front. */
function fastFlush(this: DataStreamLike, done: TransformCallback): void {
  const end = this.lastByte === LF ? END_AFTER_LF : this.lastByte === CR ? END_AFTER_CR : END_OTHERWISE;
  this.outByteCount += end.length;
  const held = this.held ?? [];
  this.held = undefined;
  this.push(held.length ? Buffer.concat([...held, end]) : end);
  done();
}

function isDataStream(s: unknown): s is DataStreamLike {
  const d = s as Partial<DataStreamLike> | null;
  return !!d && typeof d._transform === 'function' && typeof d._flush === 'function' && typeof d.inByteCount === 'number' &&
    typeof d.outByteCount === 'number' && d.lastByte === false;
}

/** Puts the indexOf transform (and the one-write end) on every DATA stream this connection creates; false if it cannot. */
export function installFastStuffing(connection: object): boolean {
  const c = connection as { _createSendStream?: (...args: unknown[]) => unknown };
  const create = c._createSendStream;
  if (typeof create !== 'function') return false;
  c._createSendStream = function (this: unknown, ...args: unknown[]) {
    const stream = create.apply(this, args);
    if (isDataStream(stream)) {
      stream._transform = fastTransform;
      stream._flush = fastFlush;
    }
    return stream;
  };
  return true;
}
