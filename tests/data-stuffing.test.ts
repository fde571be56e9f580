/**
 * The engine's DATA stuffing (src/sending/data-stuffing.ts) must put exactly nodemailer's bytes on
 * the wire: compared here with nodemailer's own DataStream on random inputs made of the bytes that
 * matter (CR, LF, dot, a letter), cut into random chunks, and end to end through a real SMTP server.
 */
import path from 'node:path';
import { Transform } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { installFastStuffing, stuffChunk } from '../src/sending/data-stuffing';
import { SmtpPool } from '../src/sending/smtp-pool';
import { SmtpSink } from './helpers/smtp-sink';

// Not in nodemailer's package exports: loaded by path, as the reference implementation.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const DataStream = require(path.join(path.dirname(require.resolve('nodemailer')), 'smtp-connection/data-stream.js')) as new () => Transform;

function run(stream: Transform, chunks: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    stream.on('data', (c: Buffer) => out.push(c));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    for (const c of chunks) stream.write(c);
    stream.end();
  });
}

/** A DataStream as SMTPConnection would create it, with our transform installed on it. */
function fastDataStream(): Transform {
  const fake = { _createSendStream: () => new DataStream() };
  expect(installFastStuffing(fake)).toBe(true);
  return fake._createSendStream() as Transform;
}

// A small deterministic generator, so a failure can be reproduced from its seed.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const ALPHABET = [0x0d, 0x0a, 0x2e, 0x61];

test('produces exactly the bytes of nodemailer DataStream on 3,000 random inputs and chunkings', async () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const r = rng(seed);
    const bytes = Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => ALPHABET[Math.floor(r() * 4)]!));
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + Math.floor(r() * 8);
      chunks.push(bytes.subarray(i, i + n));
      i += n;
    }
    const [want, got] = await Promise.all([run(new DataStream(), chunks), run(fastDataStream(), chunks)]);
    if (!got.equals(want)) {
      throw new Error(`seed ${seed}: input ${JSON.stringify(bytes.toString('latin1'))} → ${JSON.stringify(got.toString('latin1'))}, nodemailer ${JSON.stringify(want.toString('latin1'))}`);
    }
  }
});

test('a body of many chunks leaves as one piece, terminator included (one socket write)', async () => {
  const stream = fastDataStream();
  const pieces: Buffer[] = [];
  stream.on('data', (c: Buffer) => pieces.push(c));
  const ended = new Promise((r) => stream.on('end', r));
  for (const c of ['Subject: x\r\n', '\r\n', '.dot\r\n', 'last line']) stream.write(Buffer.from(c));
  stream.end();
  await ended;
  expect(pieces.map((p) => p.toString())).toEqual(['Subject: x\r\n\r\n..dot\r\nlast line\r\n.\r\n']);
});

test('passes a chunk that needs no change on without copying it', () => {
  const clean = Buffer.from('line one\r\nline two\r\n');
  expect(stuffChunk(clean, false)).toBe(clean);
  expect(stuffChunk(Buffer.from('.x\r\n..\r\n'), false).toString()).toBe('..x\r\n...\r\n');
  expect(stuffChunk(Buffer.from('.x'), 0x0a).toString()).toBe('..x');
  expect(stuffChunk(Buffer.from('.x'), 0x61).toString()).toBe('.x');
});

test('nodemailer SMTPConnection still has the internal it relies on', () => {
  const c = new SMTPConnection({ host: '127.0.0.1', port: 1 });
  expect(installFastStuffing(c)).toBe(true);
  expect(installFastStuffing({})).toBe(false);
});

test('messages with leading dots and bare line ends arrive intact through a real SMTP server', async () => {
  const sink = await new SmtpSink().start();
  const pool = new SmtpPool({ url: sink.url, maxConnections: 2 });
  try {
    const body = '.starts with a dot\r\n..two dots\r\nbare\nlf and bare\rcr\r\n.\r\nend';
    const message = Buffer.from(`From: a@example.test\r\nTo: b@example.test\r\nSubject: dots\r\n\r\n${body}\r\n`);
    const results = await Promise.all([1, 2, 3].map(() => pool.send('a@example.test', 'b@example.test', () => message)));
    expect(results.map((r) => r.kind)).toEqual(['sent', 'sent', 'sent']);
    const got = await sink.waitFor(3);
    // The receiving server removes the stuffing; bare CR and LF arrive as CRLF.
    const expected = body.replace(/\r(?!\n)|(?<!\r)\n/g, '\r\n');
    for (const m of got) expect(m.raw.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n')).toBe(`${expected}\r\n`);
  } finally {
    pool.close();
    await sink.stop();
  }
});
