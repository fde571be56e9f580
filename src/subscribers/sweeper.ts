/**
 * Redis only dispatches; Postgres holds the work. A subscribe request or a transactional mail whose
 * job was lost (Redis down at request time, flushed, or a failed enqueue) is still a row, and this
 * sweep enqueues it again once it is `ageSeconds` old. The transactional worker runs it on a timer;
 * a transaction-scoped advisory lock lets one process sweep at a time, and each picked row is
 * marked dispatched in the same statement, so even without the lock a row is not picked twice
 * within `ageSeconds`. A re-dispatched row whose first job was merely slow is harmless: requests
 * are locked and deleted, mails claimed by a conditional UPDATE.
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { SubscriptionRequests } from './requests';
import type { TransactionalMail } from './transactional';

const SWEEP_LIMIT = 1000;

export interface SweepResult {
  /** false when another process held the sweep lock. */
  swept: boolean;
  requests: number;
  messages: number;
}

export class ReadersSweeper {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly requests: SubscriptionRequests,
    private readonly mail: TransactionalMail,
  ) {}

  async sweep(ageSeconds: number): Promise<SweepResult> {
    const q = this.queries;
    // Enqueue only after the commit: a worker picking the job up must not block on our row locks.
    const picked = await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(q.sql('sweep-try-lock'));
      if (!rows[0]?.locked) return undefined;
      const requests = await client.query<{ id: number; dispatches: number }>(q.sql('subscription-requests-stale'), [ageSeconds, SWEEP_LIMIT]);
      const messages = await client.query<{ id: number; dispatches: number }>(q.sql('transactional-stale-queued'), [ageSeconds, SWEEP_LIMIT]);
      return { requests: requests.rows, messages: messages.rows };
    });
    if (!picked) return { swept: false, requests: 0, messages: 0 };
    for (const r of picked.requests) await this.requests.dispatch(r.id, r.dispatches);
    for (const m of picked.messages) await this.mail.dispatch(m.id, m.dispatches);
    return { swept: true, requests: picked.requests.length, messages: picked.messages.length };
  }
}
