/**
 * The MIME walker under the report classifier: it agrees with mailparser (the full parser we
 * already depend on) on every fixture, decodes what reports use, and stays bounded — in time and
 * in result — on hostile input: huge, deeply nested, part-bombed, header-bombed and regex-baiting
 * messages all end as a clear classification, never an exception.
 */
import { readdirSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { decodeEncodedWords, decodeQuotedPrintable, parseContentType } from '../src/deliverability/mime/decode';
import { parseHeaderBlock } from '../src/deliverability/mime/headers';
import { DEFAULT_MIME_LIMITS, fieldsOf, parseMime, textOf, walk, type MimePart } from '../src/deliverability/mime/parse';
import { classifyReport } from '../src/deliverability/reports/classify';
import { FIXTURES, eml, timed } from './helpers/deliverability';

const EML = readdirSync(FIXTURES).filter((f) => f.endsWith('.eml'));
// A generous bound for a linear-time guard on a 2-core machine shared with other test files;
// the measured figures are far below it (docs/deliverability.md).
const FAST_MS = 1000;

function root(raw: Buffer): MimePart {
  const r = parseMime(raw);
  if (!r.ok) throw new Error(`unexpected ${r.reason}: ${r.detail}`);
  return r.root;
}

describe('agrees with mailparser on every fixture', () => {
  test.each(EML)('%s', async (name) => {
    const raw = eml(name);
    const ours = [...walk(root(raw))];
    const theirs = await simpleParser(raw, { keepDeliveryStatus: true, ignoreEmbedded: true, skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    expect(decodeEncodedWords(ours[0]!.headers.get('subject') ?? '')).toBe(theirs.subject ?? '');
    // mailparser keeps non-text parts as attachments: the same types, in the same order, with
    // the same decoded octets (header-block parts compared without trailing line breaks).
    const attachments = ours.filter((p) => p.children.length === 0 && !p.type.startsWith('text/plain') && !p.type.startsWith('text/html'));
    expect(attachments.map((p) => p.type)).toEqual(theirs.attachments.map((a) => a.contentType));
    attachments.forEach((p, i) => {
      expect(Buffer.from(fieldsOf(p), 'latin1').toString('utf8').trimEnd()).toBe(theirs.attachments[i]!.content.toString('utf8').trimEnd());
    });
    const plain = ours.filter((p) => p.type === 'text/plain').map(textOf);
    // mailparser turns CRLF into LF in text; the words must be the same.
    if (plain.length === 1) expect(plain[0]!.replace(/\r\n/g, '\n').trim()).toBe((theirs.text ?? '').trim());
  });
});

describe('decoding', () => {
  test('header folding, repeated fields, 8-bit UTF-8 values and non-field lines', () => {
    const h = parseHeaderBlock(Buffer.from('From nobody Mon May  6 10:00:00 2024\nSubject: one\n two\n\tthree\nReceived: a\nReceived: b\ngarbage line\nX-Name: Jürgen\n', 'utf8').toString('latin1'));
    expect(h.get('subject')).toBe('one two three');
    expect(h.getAll('received')).toEqual(['a', 'b']);
    expect(h.get('x-name')).toBe('Jürgen');
    expect(h.fields.map((f) => f.name)).toEqual(['subject', 'received', 'received', 'x-name']);
  });

  test('encoded words: B and Q, adjacent words joined even when a character is split across them', () => {
    const euro = Buffer.from('€'); // three octets, split 2 + 1 over two words
    const split = `=?UTF-8?B?${euro.subarray(0, 2).toString('base64')}?= =?UTF-8?B?${euro.subarray(2).toString('base64')}?=`;
    expect(decodeEncodedWords(split)).toBe('€');
    expect(decodeEncodedWords('=?iso-8859-1?Q?Caf=E9_cr=E8me?= and more')).toBe('Café crème and more');
    expect(decodeEncodedWords('=?x-unknown?Q?abc?=')).toBe('abc');
  });

  test('quoted-printable: soft breaks (CRLF and LF), escapes, stray "="', () => {
    expect(decodeQuotedPrintable('a=3Db=\r\nc=\nd = e=ZZ').toString()).toBe('a=bcd = e=ZZ');
  });

  test('Content-Type parameters: quoted, escaped, case-insensitive names; __proto__ is just a name', () => {
    const ct = parseContentType('Multipart/Report; Report-Type="delivery-status"; boundary="a \\"b\\" c"; __proto__=x');
    expect(ct.mime).toBe('multipart/report');
    expect(ct.params.get('report-type')).toBe('delivery-status');
    expect(ct.params.get('boundary')).toBe('a "b" c');
    expect(ct.params.get('__proto__')).toBe('x');
    expect(parseContentType(undefined).mime).toBe('text/plain');
    expect(parseContentType('not a type').mime).toBe('text/plain');
  });

  test('delimiters only at line starts; transport padding allowed; a missing close tolerated', () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz  \r\n\r\nfirst --zz not a delimiter\r\n--zzz not one either\r\n--zz\r\n\r\nsecond');
    expect(root(raw).children.map(textOf)).toEqual(['first --zz not a delimiter\r\n--zzz not one either', 'second']);
  });
});

function nested(depth: number): Buffer {
  let s = 'Content-Type: text/plain\r\n\r\nStatus: 5.1.1\r\n';
  for (let i = depth; i > 0; i--) s = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${s}\r\n--b${i}--\r\n`;
  return Buffer.from('From: a@example.net\r\n' + s);
}

describe('hostile input: a clear result within bounds', () => {
  test.each<[string, string, Buffer]>([
    ['empty', 'empty', Buffer.alloc(0)],
    ['over the size limit (not even parsed)', 'too_large', Buffer.alloc(DEFAULT_MIME_LIMITS.maxBytes + 1, 'a')],
    ['nesting one level past the limit', 'too_deep', nested(DEFAULT_MIME_LIMITS.maxDepth + 1)],
    ['10,000 nested multiparts', 'too_deep', nested(10_000)],
    ['100,000 parts', 'too_many_parts', Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n' + '--x\r\n\r\nhi\r\n'.repeat(100_000) + '--x--\r\n')],
    ['a 100 kB header block', 'header_too_large', Buffer.from('Subject: ' + 'x'.repeat(100_000) + '\r\n\r\nbody')],
    ['a header block with no end', 'header_too_large', Buffer.from('X-A: b\r\n'.repeat(20_000))],
    ['multipart without a boundary', 'bad_multipart', Buffer.from('Content-Type: multipart/report; report-type=delivery-status\r\n\r\nStatus: 5.1.1\r\n')],
  ])('%s → malformed (%s)', (_name, reason, raw) => {
    const { result, ms } = timed(() => classifyReport(raw));
    expect(result).toMatchObject({ type: 'malformed', reason });
    expect(ms).toBeLessThan(FAST_MS);
  });

  test('nesting at the limit is still read', () => {
    expect(classifyReport(nested(DEFAULT_MIME_LIMITS.maxDepth))).toMatchObject({ type: 'fallback', outcome: 'hard', status: '5.1.1' });
  });

  test('a DSN listing 2,000 recipients is not about our mail: malformed', () => {
    const groups = Array.from({ length: 2_000 }, (_, i) => `Final-Recipient: rfc822; r${i}@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n`).join('\r\n');
    const raw = Buffer.from(`Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n${groups}\r\n--r--\r\n`);
    const { result, ms } = timed(() => classifyReport(raw));
    expect(result).toMatchObject({ type: 'malformed', reason: 'bad_report' });
    expect(ms).toBeLessThan(FAST_MS);
  });

  // Inputs shaped against the classifier's regular expressions and loops: each must stay linear.
  // 256 KiB each: a quadratic path takes tens of seconds at this size, while a linear one stays far
  // below the bound even on a machine loaded by parallel test files (the 2 MB figures, measured
  // alone, are in docs/deliverability.md).
  const near = 256 * 1024;
  test.each([
    ['a line of dashes', 'Content-Type: text/plain\r\n\r\n' + '-'.repeat(near)],
    ['a line of blanks', 'Content-Type: text/plain\r\n\r\n' + ' '.repeat(near)],
    ['dotted digits', 'Content-Type: text/plain\r\n\r\n' + '5.'.repeat(near / 2)],
    ['reply-code look-alikes', 'Content-Type: text/plain\r\n\r\n' + '550 5.'.repeat(near / 6)],
    ['unclosed tags', 'Content-Type: text/html\r\n\r\n' + '<'.repeat(near)],
    ['quoted-printable "=" runs', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' + '= '.repeat(near / 2)],
    ['encoded-word look-alikes in the subject', 'Subject: ' + '=?utf-8?q?'.repeat(6000) + '\r\n\r\nbody'],
    ['a delimiter look-alike on every line', 'Content-Type: multipart/mixed; boundary=a\r\n\r\n' + '--ab\r\n'.repeat(near / 6)],
    ['blank lines between nothing', 'Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\n' + ' \r\n'.repeat(near / 3)],
    ['10,000 nested message/rfc822 (not descended into)', 'From: a@b\r\n' + 'Content-Type: message/rfc822\r\n\r\n'.repeat(10_000) + 'Subject: inner\r\n\r\nbody'],
    ['binary noise', Buffer.from(Array.from({ length: near }, (_, i) => (i * 7919) % 256)).toString('latin1')],
  ])('%s: classified without error, fast', (_name, text) => {
    const raw = Buffer.from(text, 'latin1');
    const { result, ms } = timed(() => classifyReport(raw));
    expect(['unclassified', 'malformed', 'fallback']).toContain(result.type);
    expect(ms).toBeLessThan(FAST_MS);
  });
});
