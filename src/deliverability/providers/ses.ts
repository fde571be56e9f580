/**
 * Amazon SES bounce and complaint notifications, delivered through SNS (verified by sns.ts). The
 * SNS Message is the SES notification as JSON, documented at
 *   https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 *   https://docs.aws.amazon.com/ses/latest/dg/notification-examples.html
 *
 *   notificationType (eventType with event publishing): Bounce | Complaint | Delivery | …
 *   bounce.bounceType Permanent → hard; Transient and Undetermined → soft (never suppress on a guess)
 *   bounce.bouncedRecipients[] {emailAddress, status?, diagnosticCode?}
 *   complaint.complainedRecipients[] {emailAddress}; complaintFeedbackType `not-spam` is no complaint
 *   mail.source is the envelope sender (our VERP address); mail.commonHeaders.messageId our Message-ID
 *     when the identity includes original headers in notifications.
 * One SES notification may name several recipients; each becomes an event.
 */
import { makeEvent, parseTime, type DeliverabilityEvent, type DeliverabilityKind } from '../events';
import { enhancedStatus, enhancedStatusIn } from '../status';
import { address, bracketed, isObject, str, type Json, type JsonObject, type ProviderResult } from './common';
import { SnsVerifier, type SnsVerifierOptions } from './sns';

export type SesResult =
  | ({ type: 'notification' } & ProviderResult)
  | { type: 'subscription_confirmation' | 'unsubscribe_confirmation'; topicArn: string; subscribeUrl?: string; replayKey: string };

function list(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** Our Message-ID from the original headers SES echoes, if it echoes them. */
function originalMessageId(mail: JsonObject): string | undefined {
  const common = isObject(mail.commonHeaders) ? str(mail.commonHeaders.messageId) : undefined;
  if (common) return bracketed(common);
  const header = list(mail.headers).find((h) => str(h.name)?.toLowerCase() === 'message-id');
  return bracketed(header ? str(header.value) : undefined);
}

/** The events in one SES notification (already parsed from the SNS Message). */
export function sesEvents(n: JsonObject, fallbackTime: Date): { events: DeliverabilityEvent[]; ignored: number } {
  const mail = isObject(n.mail) ? n.mail : {};
  const common = {
    source: 'ses' as const,
    providerMessageId: str(mail.messageId),
    messageId: originalMessageId(mail),
    envelopeSender: address(mail.source),
  };
  const type = str(n.notificationType) ?? str(n.eventType);
  if (type === 'Bounce' && isObject(n.bounce)) {
    const b = n.bounce;
    const kind: DeliverabilityKind = str(b.bounceType) === 'Permanent' ? 'hard_bounce' : 'soft_bounce';
    const occurredAt = parseTime(str(b.timestamp), fallbackTime);
    const recipients = list(b.bouncedRecipients);
    const events = recipients.flatMap((r) => {
      const to = address(r.emailAddress);
      const diagnostic = str(r.diagnosticCode);
      const status = enhancedStatus(str(r.status)) ?? enhancedStatusIn(diagnostic);
      // A "Permanent" bounce whose own status is 4.x.x stays soft: never suppress on a temporary code.
      const k: DeliverabilityKind = kind === 'hard_bounce' && status?.startsWith('4') ? 'soft_bounce' : kind;
      return to ? [makeEvent({ ...common, kind: k, address: to, status, diagnostic, providerEventId: str(b.feedbackId), occurredAt })] : [];
    });
    return { events, ignored: recipients.length - events.length };
  }
  if (type === 'Complaint' && isObject(n.complaint)) {
    const c = n.complaint;
    const feedbackType = str(c.complaintFeedbackType)?.toLowerCase();
    const recipients = list(c.complainedRecipients);
    if (feedbackType === 'not-spam') return { events: [], ignored: recipients.length };
    const occurredAt = parseTime(str(c.timestamp), fallbackTime);
    const events = recipients.flatMap((r) => {
      const to = address(r.emailAddress);
      return to ? [makeEvent({ ...common, kind: 'complaint', address: to, feedbackType, providerEventId: str(c.feedbackId), occurredAt })] : [];
    });
    return { events, ignored: recipients.length - events.length };
  }
  return { events: [], ignored: 1 };
}

/** POST body from an SNS HTTPS subscription → verified SES events (or a confirmation to act on). */
export class SesWebhook {
  private readonly sns: SnsVerifier;

  constructor(opts: SnsVerifierOptions) {
    this.sns = new SnsVerifier(opts);
  }

  verify(raw: Buffer): SesResult {
    const m = this.sns.verify(raw);
    const replayKey = `ses:${m.messageId}`;
    if (m.type !== 'Notification') {
      return {
        type: m.type === 'SubscriptionConfirmation' ? 'subscription_confirmation' : 'unsubscribe_confirmation',
        topicArn: m.topicArn,
        ...(m.subscribeUrl ? { subscribeUrl: m.subscribeUrl } : {}),
        replayKey,
      };
    }
    let notification: Json;
    try {
      notification = JSON.parse(m.message) as Json;
    } catch {
      // A signed message that is not an SES notification (a test publish, say): nothing to do.
      return { type: 'notification', events: [], ignored: 1, replayKey };
    }
    if (!isObject(notification)) return { type: 'notification', events: [], ignored: 1, replayKey };
    return { type: 'notification', ...sesEvents(notification, m.timestamp), replayKey };
  }
}
