/**
 * The message a report is about. DSNs (RFC 3464 §2) and ARF reports (RFC 5965 §2) attach the
 * original as message/rfc822 or only its headers as text/rfc822-headers (message/global and
 * message/global-headers in their internationalised forms, RFC 6533 and RFC 6532). Only the
 * header block is read: Message-ID, Return-Path and our X-Tidings-* headers identify the delivery
 * when the VERP token was lost (a feedback loop writes to its own address, not to our token).
 */
import { decodeEncodedWords, decodeTransfer } from '../mime/decode';
import { bareAddress, parseHeaderBlock, splitHeaderBody, type Headers } from '../mime/headers';
import type { MimePart } from '../mime/parse';
import type { OriginalMessage } from './types';

const ORIGINAL_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);

/** A Message-ID in the form our messages write it: the first `<…>`, or the value wrapped in brackets. */
function messageIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /<[^<>\s]{1,500}>/.exec(value);
  if (m) return m[0];
  const bare = value.trim();
  return /^[^<>\s]{1,500}$/.test(bare) ? `<${bare}>` : undefined;
}

export function originalFromHeaders(headers: Headers): OriginalMessage {
  const tidingsHeaders: Record<string, string> = {};
  for (const f of headers.fields) {
    if (f.name.startsWith('x-tidings-') && !(f.name in tidingsHeaders)) tidingsHeaders[f.name] = f.value.slice(0, 500);
  }
  const out: OriginalMessage = { tidingsHeaders };
  const messageId = messageIdOf(headers.get('message-id'));
  if (messageId) out.messageId = messageId;
  const returnPath = headers.get('return-path');
  if (returnPath) out.returnPath = bareAddress(returnPath);
  const from = headers.get('from');
  if (from) out.from = decodeEncodedWords(from).slice(0, 500);
  const to = headers.get('to');
  if (to) out.to = decodeEncodedWords(to).slice(0, 500);
  const subject = headers.get('subject');
  if (subject) out.subject = decodeEncodedWords(subject).slice(0, 500);
  return out;
}

/** The header block at the start of `text` (a binary string), read up to `maxHeaderBytes`. */
export function originalFromText(text: string, maxHeaderBytes: number): OriginalMessage {
  const head = text.slice(0, maxHeaderBytes);
  return originalFromHeaders(parseHeaderBlock(head.slice(0, splitHeaderBody(head).headerEnd)));
}

/** The first attached original among `parts`, if any. */
export function findOriginal(parts: Iterable<MimePart>, maxHeaderBytes: number): OriginalMessage | undefined {
  for (const p of parts) {
    if (!ORIGINAL_TYPES.has(p.type)) continue;
    // Decode only the start: base64 or quoted-printable take at most ~4/3 and 3× the octets.
    const start = p.body.slice(0, maxHeaderBytes * 3);
    const bytes = decodeTransfer(start, p.headers.get('content-transfer-encoding'));
    return originalFromText(bytes.toString('latin1'), maxHeaderBytes);
  }
  return undefined;
}
