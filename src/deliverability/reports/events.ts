/**
 * A classified inbound report as deliverability events, the shape provider webhooks produce too.
 * Only what must be acted on becomes an event: hard and soft bounces and `abuse` complaints.
 * Ignored DSN recipients, other feedback types, auto-replies, unclassified and malformed
 * messages yield none (the caller logs the classification itself).
 */
import { makeEvent, type DeliverabilityEvent } from '../events';
import type { ReportClassification } from './types';

export function reportEvents(report: ReportClassification, occurredAt: Date): DeliverabilityEvent[] {
  switch (report.type) {
    case 'dsn':
      return report.recipients.flatMap((r) =>
        r.outcome === 'ignore'
          ? []
          : [
              makeEvent({
                kind: r.outcome === 'hard' ? 'hard_bounce' : 'soft_bounce',
                source: 'dsn',
                address: r.finalRecipient ?? r.originalRecipient,
                status: r.status,
                diagnostic: r.diagnosticCode,
                messageId: report.original?.messageId,
                envelopeSender: report.original?.returnPath,
                occurredAt,
              }),
            ],
      );
    case 'feedback':
      if (!report.complaint) return [];
      return [
        makeEvent({
          kind: 'complaint',
          source: 'arf',
          address: report.originalRcptTo[0],
          feedbackType: report.feedbackType,
          messageId: report.original?.messageId,
          envelopeSender: report.originalMailFrom ?? report.original?.returnPath,
          occurredAt,
        }),
      ];
    case 'fallback':
      return [
        makeEvent({
          kind: report.outcome === 'hard' ? 'hard_bounce' : 'soft_bounce',
          source: 'fallback',
          address: report.failedRecipients[0],
          status: report.status,
          diagnostic: report.evidence,
          messageId: report.original?.messageId,
          envelopeSender: report.original?.returnPath,
          occurredAt,
        }),
      ];
    default:
      return [];
  }
}
