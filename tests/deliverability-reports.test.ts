/**
 * The report classifier on messages as they reach the bounce address: every classification
 * (dsn hard/soft/ignore, feedback complaint/other, fallback hard/soft, auto-reply, unclassified,
 * malformed), the identification of our delivery from the attached original, and the events.
 */
import { verifyTidingsMessageId } from '../src/deliverability/message-id';
import { classifyReport } from '../src/deliverability/reports/classify';
import { reportEvents } from '../src/deliverability/reports/events';
import type { ReportClassification } from '../src/deliverability/reports/types';
import { DELIVERY, ISSUE_ID, MESSAGE_ID, SECRET, VERP_ADDRESS, eml, verp } from './helpers/deliverability';

const AT = new Date('2024-05-06T10:00:05Z');

function classify(name: string, opts: { lf?: boolean } = {}): ReportClassification {
  return classifyReport(eml(name, opts));
}

function expectType<T extends ReportClassification['type']>(r: ReportClassification, type: T): Extract<ReportClassification, { type: T }> {
  expect(r.type).toBe(type);
  return r as Extract<ReportClassification, { type: T }>;
}

describe('DSN (RFC 3464)', () => {
  test('Postfix 5.1.1 failure: hard, with the recipient, diagnostic and our headers', () => {
    const r = expectType(classify('dsn-postfix-hard.eml'), 'dsn');
    expect(r.reportingMta).toBe('mx.mail.example.net');
    expect(r.recipients).toEqual([
      {
        finalRecipient: 'reader@example.com',
        originalRecipient: 'Reader@Example.com',
        action: 'failed',
        rawAction: 'failed',
        status: '5.1.1',
        remoteMta: 'dns; mbox.example.com',
        diagnosticCode: 'smtp; 550 5.1.1 <reader@example.com>: Recipient address rejected: no such mailbox',
        outcome: 'hard',
      },
    ]);
    expect(r.original).toMatchObject({ messageId: MESSAGE_ID, returnPath: VERP_ADDRESS, to: 'reader@example.com', tidingsHeaders: { 'x-tidings-delivery': '42' } });
    // The attached headers identify the delivery even without the envelope recipient.
    expect(verp.verifyAddress(r.original!.returnPath!)?.ref).toEqual(DELIVERY);
    expect(verifyTidingsMessageId(r.original!.messageId!, [SECRET])).toEqual({ issueId: ISSUE_ID, subscriberId: DELIVERY.subscriberId });
    expect(reportEvents(r, AT)).toEqual([
      {
        kind: 'hard_bounce',
        source: 'dsn',
        address: 'reader@example.com',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 <reader@example.com>: Recipient address rejected: no such mailbox',
        messageId: MESSAGE_ID,
        envelopeSender: VERP_ADDRESS,
        occurredAt: AT,
      },
    ]);
  });

  test('bare LF line endings parse the same as CRLF', () => {
    expect(classify('dsn-postfix-hard.eml', { lf: true })).toEqual(classify('dsn-postfix-hard.eml'));
  });

  test('Action: delayed with 4.2.2 is soft, never hard', () => {
    const r = expectType(classify('dsn-delayed.eml'), 'dsn');
    expect(r.recipients.map((x) => [x.action, x.status, x.outcome])).toEqual([['delayed', '4.2.2', 'soft']]);
    expect(reportEvents(r, AT).map((e) => e.kind)).toEqual(['soft_bounce']);
  });

  test('Action: failed with a 4.x.x status (gave up after retries) stays soft', () => {
    const r = expectType(classify('dsn-expired-4xx.eml'), 'dsn');
    expect(r.recipients.map((x) => [x.action, x.status, x.outcome])).toEqual([['failed', '4.4.7', 'soft']]);
  });

  test('several recipients: failed → hard, relayed → ignore, delayed → soft, failed without Status → from the diagnostic', () => {
    const r = expectType(classify('dsn-multi.eml'), 'dsn');
    expect(r.recipients.map((x) => [x.finalRecipient, x.action, x.status, x.outcome])).toEqual([
      ['gone@example.com', 'failed', '5.1.1', 'hard'],
      ['forwarded@example.com', 'relayed', '2.0.0', 'ignore'],
      ['busy@example.com', 'delayed', '4.3.2', 'soft'],
      ['nostatus@example.com', 'failed', undefined, 'hard'],
    ]);
    expect(r.recipients[0]!.rawAction).toBe('failed');
    expect(reportEvents(r, AT).map((e) => [e.address, e.kind])).toEqual([
      ['gone@example.com', 'hard_bounce'],
      ['busy@example.com', 'soft_bounce'],
      ['nostatus@example.com', 'hard_bounce'],
    ]);
  });

  test('Exchange style: base64 delivery-status part, 5.1.10, original as message/rfc822', () => {
    const r = expectType(classify('dsn-exchange-base64.eml'), 'dsn');
    expect(r.recipients).toHaveLength(1);
    expect(r.recipients[0]).toMatchObject({ finalRecipient: 'reader@example.com', status: '5.1.10', outcome: 'hard' });
    expect(r.original).toMatchObject({ messageId: MESSAGE_ID, returnPath: VERP_ADDRESS });
  });

  test('internationalised DSN (RFC 6533): UTF-8 recipient and encoded headers', () => {
    const r = expectType(classify('dsn-global-utf8.eml'), 'dsn');
    expect(r.recipients[0]).toMatchObject({ finalRecipient: '読者@例え.jp', status: '5.1.1', outcome: 'hard' });
    expect(r.original).toMatchObject({ messageId: MESSAGE_ID, subject: '中国 TMT' });
  });

  test('a DSN that names no recipient is malformed, even with a code in its text', () => {
    expect(classify('dsn-no-recipient.eml')).toEqual({ type: 'malformed', reason: 'bad_report', detail: 'the delivery-status part names no recipient' });
  });

  test('multipart/report announcing delivery-status without the part is malformed', () => {
    expect(classify('dsn-missing-status-part.eml')).toMatchObject({ type: 'malformed', reason: 'bad_report' });
  });
});

describe('ARF (RFC 5965)', () => {
  test('Feedback-Type: abuse is a complaint, with the envelope and the original headers', () => {
    const r = expectType(classify('arf-abuse.eml'), 'feedback');
    expect(r).toMatchObject({
      feedbackType: 'abuse',
      complaint: true,
      userAgent: 'ExampleFBL/2.1',
      version: '1',
      originalMailFrom: VERP_ADDRESS,
      originalRcptTo: ['reader@example.com'],
      arrivalDate: 'Wed, 8 May 2024 11:58:00 +0000',
      sourceIp: '203.0.113.9',
      reportedDomains: ['example.org'],
      original: { messageId: MESSAGE_ID, returnPath: VERP_ADDRESS },
    });
    expect(reportEvents(r, AT)).toEqual([
      { kind: 'complaint', source: 'arf', address: 'reader@example.com', feedbackType: 'abuse', messageId: MESSAGE_ID, envelopeSender: VERP_ADDRESS, occurredAt: AT },
    ]);
  });

  test('a redacted complaint still identifies the delivery by its original Return-Path and Message-ID', () => {
    const r = expectType(classify('arf-redacted.eml'), 'feedback');
    expect(r.complaint).toBe(true);
    expect(r.originalRcptTo).toEqual([]);
    const [event] = reportEvents(r, AT);
    expect(event!.address).toBeUndefined();
    expect(verp.verifyAddress(event!.envelopeSender!)?.ref).toEqual(DELIVERY);
    expect(verifyTidingsMessageId(event!.messageId!, [SECRET])?.subscriberId).toBe(DELIVERY.subscriberId);
  });

  test('other feedback types are reported as such and produce no complaint', () => {
    const r = expectType(classify('arf-not-spam.eml'), 'feedback');
    expect(r).toMatchObject({ feedbackType: 'not-spam', complaint: false, original: { messageId: MESSAGE_ID } });
    expect(reportEvents(r, AT)).toEqual([]);
  });

  test('a feedback report without Feedback-Type is malformed', () => {
    expect(classify('arf-missing-type.eml')).toMatchObject({ type: 'malformed', reason: 'bad_report' });
  });
});

describe('auto-replies are ignored', () => {
  test.each([
    ['auto-reply-ooo-de.eml', 'out-of-office subject'],
    ['auto-reply-ooo-subject-only.eml', 'out-of-office subject'],
    // X-Autoreply is decisive even though the text quotes an SMTP error.
    ['auto-reply-x-autoreply.eml', 'X-Autoreply'],
    ['auto-reply-auto-submitted.eml', 'Auto-Submitted: auto-generated'],
    ['mdn-read-receipt.eml', 'disposition notification (read receipt)'],
  ])('%s → auto_reply (%s)', (name, reason) => {
    const r = classify(name);
    expect(r).toEqual({ type: 'auto_reply', reason });
    expect(reportEvents(r, AT)).toEqual([]);
  });

  test.each([
    ['X-Autorespond', 'X-Autorespond: on'],
    ['Precedence: auto_reply', 'Precedence: auto_reply'],
    ['X-Autogenerated: Reply', 'X-Autogenerated: Reply'],
    ['out-of-office subject', 'Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN?='], // 自动回复
    ['out-of-office subject', 'Subject: Réponse automatique : absent'],
  ])('%s', (reason, header) => {
    const raw = Buffer.from(`From: a@example.com\r\n${header}\r\nContent-Type: text/plain\r\n\r\nAway.\r\n`);
    expect(classifyReport(raw)).toEqual({ type: 'auto_reply', reason });
  });

  test('without its X-Autoreply header the same message would count as a bounce (the mark decides)', () => {
    const raw = eml('auto-reply-x-autoreply.eml').toString('utf8').replace('X-Autoreply: yes\r\n', '');
    expect(classifyReport(Buffer.from(raw))).toMatchObject({ type: 'fallback', outcome: 'hard' });
  });

  test('Auto-Submitted: no is an ordinary message', () => {
    const raw = Buffer.from('From: a@example.com\r\nAuto-Submitted: no\r\nSubject: hello\r\n\r\nHi.\r\n');
    expect(classifyReport(raw)).toEqual({ type: 'unclassified' });
  });
});

describe('fallback for non-report bounces', () => {
  test('Exim plain text: 550 5.1.1 → hard; the quoted original (with a 4.2.2 in it) is not searched', () => {
    const r = expectType(classify('bounce-exim-plain.eml'), 'fallback');
    expect(r).toMatchObject({
      outcome: 'hard',
      status: '5.1.1',
      evidence: '550 5.1.1 <reader@example.com>: Recipient address rejected: User unknown',
      failedRecipients: ['reader@example.com'],
      original: { messageId: MESSAGE_ID, returnPath: VERP_ADDRESS },
    });
    expect(reportEvents(r, AT)).toEqual([
      {
        kind: 'hard_bounce',
        source: 'fallback',
        address: 'reader@example.com',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <reader@example.com>: Recipient address rejected: User unknown',
        messageId: MESSAGE_ID,
        envelopeSender: VERP_ADDRESS,
        occurredAt: AT,
      },
    ]);
  });

  test('qmail "permanent error" with a 452 4.2.2 reply is soft: never suppress on 4.x.x', () => {
    const r = expectType(classify('bounce-qmail-soft.eml'), 'fallback');
    expect(r).toMatchObject({ outcome: 'soft', status: '4.2.2', evidence: 'Remote host said: 452 4.2.2 Mailbox over quota' });
  });

  test('a 4.x.x and a 5.x.x in one text: soft', () => {
    expect(classify('bounce-mixed-codes.eml')).toMatchObject({ type: 'fallback', outcome: 'soft', status: '4.7.1' });
  });

  test('an HTML-only bounce in quoted-printable windows-1252: hard from "#5.1.1 smtp;550 5.1.1"', () => {
    expect(classify('bounce-exchange-html.eml')).toMatchObject({ type: 'fallback', outcome: 'hard', status: '5.1.1' });
  });

  test('a Status: line alone is enough', () => {
    const raw = Buffer.from('From: daemon@example.net\r\nSubject: failed\r\n\r\nRecipient: reader@example.com\r\nStatus: 5.2.1\r\n');
    expect(classifyReport(raw)).toMatchObject({ type: 'fallback', outcome: 'hard', status: '5.2.1', evidence: 'Status: 5.2.1' });
  });

  test('a reply code whose enhanced code disagrees (550 4.2.2) proves nothing', () => {
    const raw = Buffer.from('From: daemon@example.net\r\nSubject: failed\r\n\r\nserver said 550 4.2.2 odd\r\n');
    expect(classifyReport(raw)).toEqual({ type: 'unclassified' });
  });
});

describe('everything else', () => {
  test('a reader replying with version numbers and IP addresses is unclassified', () => {
    expect(classify('plain-reply.eml')).toEqual({ type: 'unclassified' });
  });
  test('unclassified messages produce no events', () => {
    expect(reportEvents({ type: 'unclassified' }, AT)).toEqual([]);
  });
});
