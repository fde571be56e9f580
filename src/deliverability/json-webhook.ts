/**
 * Our own signed JSON bounce webhook's body (POST /webhooks/bounces, src/http/webhooks.ts):
 * `{email, type: "hard"|"soft"|"complaint", reason?}`, turned into the one event shape so it goes
 * through the same service as the receiver and the provider webhooks.
 */
import { ValidationError } from '../errors';
import { makeEvent, type DeliverabilityEvent } from './events';
import { enhancedStatusIn } from './status';

export type BounceType = 'hard' | 'soft' | 'complaint';

export interface BounceReport {
  email: string;
  type: BounceType;
  reason?: string | undefined;
}

export function parseBounce(body: unknown): BounceReport {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('Expected a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(b.email.trim()) || b.email.length > 320) {
    throw new ValidationError('email must be an email address.', 'email');
  }
  if (b.type !== 'hard' && b.type !== 'soft' && b.type !== 'complaint') {
    throw new ValidationError('type must be hard, soft or complaint.', 'type');
  }
  if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > 1000)) {
    throw new ValidationError('reason must be a string of at most 1000 characters.', 'reason');
  }
  return { email: b.email.trim(), type: b.type, reason: b.reason as string | undefined };
}

const KIND = { hard: 'hard_bounce', soft: 'soft_bounce', complaint: 'complaint' } as const;

export function bounceEvent(report: BounceReport, occurredAt: Date): DeliverabilityEvent {
  return makeEvent({
    kind: KIND[report.type],
    source: 'webhook',
    address: report.email,
    status: enhancedStatusIn(report.reason),
    diagnostic: report.reason,
    occurredAt,
  });
}
