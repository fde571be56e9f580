/**
 * Classifies one inbound message (raw RFC 5322 octets) sent to the bounce address. Pure: no
 * database, no clock, no network; bounded by the MIME limits, so a hostile message costs at most a
 * few passes over at most `maxBytes` octets and yields `malformed`, never an exception.
 *
 * Order matters:
 * 1. A delivery-status part (RFC 3464) anywhere in the tree → `dsn`; a feedback-report part
 *    (RFC 5965) → `feedback`. A multipart/report that announces one and lacks it → `malformed`.
 *    Reports come first because bounces themselves carry Auto-Submitted (RFC 3464 §2, RFC 3834).
 * 2. A decisive auto-reply mark (X-Autoreply, an out-of-office subject, …) → `auto_reply`.
 * 3. A status code in the text, conservatively read (fallback.ts) → `fallback`.
 * 4. Auto-Submitted without a status code → `auto_reply`.
 * 5. Anything else → `unclassified` (kept for a human, never acted on).
 */
import { bareAddress } from '../mime/headers';
import { DEFAULT_MIME_LIMITS, fieldsOf, parseMime, textOf, walk, type MimeLimits, type MimePart } from '../mime/parse';
import { parseFeedbackReport } from './arf';
import { autoReplySignals } from './auto-reply';
import { parseDeliveryStatus } from './dsn';
import { originalMarker, scanForStatus } from './fallback';
import { findOriginal, originalFromText } from './original';
import type { OriginalMessage, ReportClassification } from './types';

export interface ClassifyOptions {
  limits?: Partial<MimeLimits>;
  /** A DSN listing more recipients than this is not about our mail (one recipient per message). */
  maxRecipients?: number;
}

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const FEEDBACK_TYPE = 'message/feedback-report';
const DEFAULT_MAX_RECIPIENTS = 50;

/** Visible text without markup, in one linear pass (a regex over `<[^>]*>` is quadratic on `<<<<`). */
function stripTags(html: string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt) + ' ';
    const gt = html.indexOf('>', lt);
    if (gt < 0) break;
    i = gt + 1;
  }
  return out.replace(/&nbsp;/gi, ' ').replace(/&lt;/gi, '<').replace(/&gt;/gi, '>').replace(/&amp;/gi, '&');
}

/** The message's readable text: its text/plain parts, or its HTML parts stripped when it has none. */
function messageText(root: MimePart): string {
  const parts = [...walk(root)];
  const plain = parts.filter((p) => p.type === 'text/plain');
  if (plain.length) return plain.map(textOf).join('\n');
  return parts
    .filter((p) => p.type === 'text/html')
    .map((p) => stripTags(textOf(p)))
    .join('\n');
}

/** The copy of our message that plain-text bounces quote after a marker line, if any. */
function inlineOriginal(text: string, maxHeaderBytes: number): OriginalMessage | undefined {
  const marker = originalMarker(text);
  if (!marker) return undefined;
  const after = text.slice(marker.after, marker.after + maxHeaderBytes).replace(/^\s+/, '');
  const original = originalFromText(Buffer.from(after, 'utf8').toString('latin1'), maxHeaderBytes);
  return original.messageId || original.returnPath ? original : undefined;
}

function classifyContainer(container: MimePart, limits: MimeLimits, maxRecipients: number): ReportClassification | undefined {
  const status = container.children.find((c) => STATUS_TYPES.has(c.type));
  if (status) {
    const dsn = parseDeliveryStatus(fieldsOf(status), maxRecipients);
    if (dsn === 'no_recipient') return { type: 'malformed', reason: 'bad_report', detail: 'the delivery-status part names no recipient' };
    if (dsn === 'too_many_recipients') return { type: 'malformed', reason: 'bad_report', detail: `the delivery-status part lists more than ${maxRecipients} recipients` };
    const original = findOriginal(container.children, limits.maxHeaderBytes);
    return { type: 'dsn', ...dsn, ...(original ? { original } : {}) };
  }
  const feedback = container.children.find((c) => c.type === FEEDBACK_TYPE);
  if (feedback) {
    const arf = parseFeedbackReport(fieldsOf(feedback));
    if (!arf) return { type: 'malformed', reason: 'bad_report', detail: 'the feedback-report part has no usable Feedback-Type' };
    const original = findOriginal(container.children, limits.maxHeaderBytes);
    return { type: 'feedback', ...arf, ...(original ? { original } : {}) };
  }
  if (container.type !== 'multipart/report') return undefined;
  const reportType = container.params.get('report-type')?.toLowerCase();
  if (reportType === 'delivery-status' || reportType === 'feedback-report') {
    return { type: 'malformed', reason: 'bad_report', detail: `multipart/report (${reportType}) without its message/${reportType} part` };
  }
  // Read receipts (RFC 8098) are generated automatically and say nothing about deliverability.
  if (reportType === 'disposition-notification') return { type: 'auto_reply', reason: 'disposition notification (read receipt)' };
  return undefined;
}

export function classifyReport(raw: Buffer, options: ClassifyOptions = {}): ReportClassification {
  const limits: MimeLimits = { ...DEFAULT_MIME_LIMITS, ...options.limits };
  const parsed = parseMime(raw, limits);
  if (!parsed.ok) return { type: 'malformed', reason: parsed.reason, detail: parsed.detail };
  const root = parsed.root;
  for (const part of walk(root)) {
    if (part.children.length === 0) continue;
    const report = classifyContainer(part, limits, options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS);
    if (report) return report;
  }
  const signals = autoReplySignals(root.headers);
  if (signals.strong) return { type: 'auto_reply', reason: signals.strong };
  const text = messageText(root);
  const status = scanForStatus(text);
  if (status) {
    const failedRecipients = root.headers
      .getAll('x-failed-recipients')
      .flatMap((v) => v.split(','))
      .map(bareAddress)
      .filter((a) => a.length > 0 && a.length <= 320)
      .slice(0, 50);
    const original = findOriginal(walk(root), limits.maxHeaderBytes) ?? inlineOriginal(text, limits.maxHeaderBytes);
    return { type: 'fallback', ...status, failedRecipients, ...(original ? { original } : {}) };
  }
  if (signals.weak) return { type: 'auto_reply', reason: signals.weak };
  return { type: 'unclassified' };
}
