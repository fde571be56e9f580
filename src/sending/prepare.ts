/**
 * Prepare stage: snapshot the recipients of a send into the delivery ledger, one batch per
 * transaction, and dispatch a job per batch. The SQL does the work set-based (db/queries/sending.sql
 * prepare-batch); this loop holds nothing per reader in memory, so it streams any list size.
 * The cursor lives on the send row, so a prepare that died resumes where it stopped.
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { Dispatcher } from './dispatcher';

interface BatchRow {
  prepared: boolean;
  batch_id: number | null;
  inserted: number;
}

export interface PrepareDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  dispatcher: Dispatcher;
  batchSize: number;
  onCompleted: (sendId: number, issueId: number) => Promise<void>;
}

export class Preparer {
  constructor(private readonly d: PrepareDeps) {}

  /** Runs (or resumes) the prepare stage of a send; returns the ledger rows this call wrote. */
  async prepare(sendId: number): Promise<number> {
    const { pool, queries } = this.d;
    let written = 0;
    for (;;) {
      const row = await withTransaction(pool, async (client) => {
        // The row lock serialises concurrent preparers; the loser then sees the advanced cursor.
        const { rows } = await client.query<{ status: string; prepared: boolean; prepare_cursor: number; max_subscriber_id: number }>(
          queries.sql('prepare-lock-send'),
          [sendId],
        );
        const s = rows[0];
        if (!s || s.prepared || s.status !== 'preparing') return undefined;
        const res = await client.query<BatchRow>(queries.sql('prepare-batch'), [
          sendId,
          s.prepare_cursor,
          s.max_subscriber_id,
          this.d.batchSize,
        ]);
        return res.rows[0];
      });
      if (!row) break;
      written += row.inserted;
      // After commit: a crash right here leaves a pending batch without a job, which the
      // reconciler dispatches.
      if (row.batch_id) await this.d.dispatcher.batch(row.batch_id, 0);
      if (row.prepared) break;
    }
    // A send with no deliveries open (e.g. nobody to mail) completes here.
    const done = await pool.query<{ id: number; issue_id: number }>(queries.sql('send-complete-if-done'), [sendId]);
    if (done.rows[0]) await this.d.onCompleted(sendId, done.rows[0].issue_id);
    this.d.log.info({ sendId, written }, 'prepare finished');
    return written;
  }
}
