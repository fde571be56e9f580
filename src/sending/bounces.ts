/**
 * Bounce and complaint reports from the relay. Hard bounces and complaints put the address on the
 * suppression list (keyed by emailHash, so it holds no readable address); every report is recorded
 * against the send that last mailed the address, for the report.
 */
import { withTransaction, type Pool, type PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';
import { ValidationError } from '../errors';
import { emailHash } from '../subscribers/email-hash';
import type { Suppressions } from '../subscribers/suppressions';
import { claimSignature, type SignedRequest } from './webhook-replays';

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

export interface BounceOutcome {
  suppressed: boolean;
  send_id: number | null;
}

export class Bounces {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly suppressions: Pick<Suppressions, 'suppress'>,
  ) {}

  /**
   * Records a report delivered by a signed webhook, once per signature: the signature is claimed
   * in the same transaction, so a replay throws ConflictError ('replayed') and records nothing.
   */
  async recordSigned(report: BounceReport, signed: SignedRequest): Promise<BounceOutcome> {
    return withTransaction(this.pool, async (client) => {
      await claimSignature(client, this.queries, signed);
      return this.write(client, report);
    });
  }

  private async write(client: PoolClient, report: BounceReport): Promise<BounceOutcome> {
    const hash = emailHash(report.email);
    const { rows } = await client.query<{ send_id: number; subscriber_id: number }>(this.queries.sql('bounce-latest-delivery'), [report.email]);
    const latest = rows[0];
    await client.query(this.queries.sql('bounce-insert'), [hash, report.type, report.reason ?? null, latest?.send_id ?? null, latest?.subscriber_id ?? null]);
    const suppress = report.type === 'hard' || report.type === 'complaint';
    if (suppress) {
      await this.suppressions.suppress(
        { emailHash: hash, reason: report.type === 'hard' ? 'hard_bounce' : 'complaint', source: 'webhook', detail: report.reason },
        client,
      );
    }
    return { suppressed: suppress, send_id: latest?.send_id ?? null };
  }
}
