/**
 * The one place deliverability puts an address on the suppression list: through the suppression
 * service (src/subscribers/suppressions.ts, issue 21), inside the caller's transaction, with the
 * reason and a source that says where the report came from.
 */
import type { PoolClient } from '../db/pool';
import type { SuppressionReason, SuppressionSource, Suppressions } from '../subscribers/suppressions';
import type { DeliverabilitySource } from './events';

export type SuppressReason = Extract<SuppressionReason, 'hard_bounce' | 'complaint' | 'soft_bounce_limit'>;

export interface Suppression {
  emailHash: Buffer;
  reason: SuppressReason;
  /** Where the event came from. */
  source: DeliverabilitySource;
  /** What the report said; shown to editors. */
  detail: string;
}

const SOURCES: Record<DeliverabilitySource, SuppressionSource> = {
  smtp: 'smtp_reply',
  dsn: 'dsn',
  fallback: 'dsn',
  arf: 'arf',
  ses: 'provider_webhook',
  mailgun: 'provider_webhook',
  postmark: 'provider_webhook',
  sendgrid: 'provider_webhook',
  webhook: 'webhook',
};

export async function suppress(client: PoolClient, suppressions: Pick<Suppressions, 'suppress'>, s: Suppression): Promise<void> {
  await suppressions.suppress({ emailHash: s.emailHash, reason: s.reason, source: SOURCES[s.source], detail: s.detail.slice(0, 300) }, client);
}
