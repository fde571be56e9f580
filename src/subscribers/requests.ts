/**
 * The worker's half of a subscribe request. The HTTP request only wrote a `subscription_requests`
 * row; here, in one transaction, the address's state decides what happens:
 *   new           → reader 'pending' + topics + consent 'requested' + outbox 'confirm'
 *   pending       → topics replaced + consent 'requested' + outbox 'confirm' (a fresh link)
 *   unsubscribed  → back to 'pending', as above
 *   confirmed     → consent 'requested' + outbox 'already_subscribed' (topics untouched)
 *   suppressed    → nothing written, nothing sent — unless the reader may come back (erased or
 *                   manual, or a hard bounce past SUPPRESSION_RETURN_DAYS: src/subscribers/
 *                   suppressions.ts): then as new / unsubscribed, and confirming lifts it
 * and the request row is deleted, so the address and IP do not linger outside the reader's record.
 */
import type { Pool, PoolClient } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Topics } from '../topics';
import { emailHash } from './email-hash';
import type { Suppressions } from './suppressions';
import type { TransactionalMail } from './transactional';
import { dispatchAfterCommit, type SubscriptionRequestFields, type TransactionalJob } from './types';

interface RequestRow extends SubscriptionRequestFields {
  id: number;
  created_at: Date;
}

/** `dropped`: every topic of the request was deleted before it was processed. */
export type RequestOutcome = 'confirm' | 'already_subscribed' | 'suppressed' | 'dropped' | 'duplicate';

export class SubscriptionRequests {
  constructor(
    private readonly deps: {
      pool: Pool;
      queries: Queries;
      topics: Topics;
      mail: TransactionalMail;
      suppressions: Pick<Suppressions, 'readerStanding'>;
      enqueue: (job: TransactionalJob) => Promise<void>;
      onError?: (err: unknown, jobId: string) => void;
    },
  ) {}

  async dispatch(requestId: number, dispatches: number): Promise<void> {
    await dispatchAfterCommit(this.deps, { name: 'request', data: { requestId }, jobId: `req-${requestId}-${dispatches}` });
  }

  /** Processes one request at most once (a duplicate job finds the row gone). */
  async process(requestId: number): Promise<RequestOutcome> {
    const known = await this.deps.topics.slugs();
    const result = await withTransaction(this.deps.pool, async (client) => {
      const { rows } = await client.query<RequestRow>(this.deps.queries.sql('subscription-request-lock'), [requestId]);
      const req = rows[0];
      if (!req) return { outcome: 'duplicate' as const };
      const out = await this.apply(client, req, known);
      await client.query(this.deps.queries.sql('subscription-request-delete'), [requestId]);
      return out;
    });
    if (result.messageId !== undefined) await this.deps.mail.dispatch(result.messageId, 0);
    return result.outcome;
  }

  private async apply(client: PoolClient, req: RequestRow, known: string[]): Promise<{ outcome: RequestOutcome; messageId?: number }> {
    const q = this.deps.queries;
    // A topic removed since the request was accepted is dropped rather than failing the job for ever.
    const topics = req.topics.filter((t) => known.includes(t));
    if (!topics.length) return { outcome: 'dropped' };
    const hash = emailHash(req.email);
    const standing = await this.deps.suppressions.readerStanding(hash, client);
    // Refused (a complaint, a recent bounce): nothing is written and nothing is sent.
    if (standing === 'refused') return { outcome: 'suppressed' };
    const returning = standing === 'may_return';
    const inserted = await client.query<{ id: number }>(q.sql('subscriber-insert-pending'), [req.email, req.name, hash, returning, req.timezone]);
    let id = inserted.rows[0]?.id;
    let kind: 'confirm' | 'already_subscribed' = 'confirm';
    if (id === undefined) {
      const { rows } = await client.query<{ id: number; status: string; suppressed: boolean }>(q.sql('subscriber-lock-by-email'), [req.email, hash]);
      const row = rows[0];
      // Suppressed since the check above (a report arrived meanwhile): as refused.
      if (!row || (row.suppressed && !returning)) return { outcome: 'suppressed' };
      id = row.id;
      // A returning reader who is still 'confirmed' (suppressed by a bounce) confirms again.
      if (row.status === 'confirmed' && !returning) {
        // A confirmed reader's topics never change from an unauthenticated form: they get their
        // preferences link by email instead.
        kind = 'already_subscribed';
      } else {
        await client.query(q.sql('subscriber-repend'), [id, req.name, returning, req.timezone]);
        await client.query(q.sql('subscriber-topics-replace-delete'), [id, topics]);
      }
    }
    if (kind === 'confirm') await client.query(q.sql('subscriber-topics-add'), [id, topics]);
    await client.query(q.sql('consent-insert-at'), [
      id, 'requested', req.source, topics, req.consent_version, req.ip, req.user_agent, req.created_at,
    ]);
    const { rows } = await client.query<{ id: number }>(q.sql('transactional-insert'), [id, kind]);
    return { outcome: kind, messageId: rows[0]!.id };
  }
}
