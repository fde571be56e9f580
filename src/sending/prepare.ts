/**
 * Prepare stage: snapshot the recipients of a send into the delivery ledger, one step (several
 * delivery batches) per transaction, then dispatch a job per batch. The SQL does the work
 * set-based (db/queries/sending.sql prepare-batch); this loop holds nothing per reader in memory,
 * so it streams any list size. The cursor lives on the send row, so a prepare that died resumes
 * where it stopped.
 *
 * Batches are dispatched once the whole snapshot is written, not step by step. Delivery is
 * CPU-bound, so overlapping it with prepare finished the send no sooner (100,000 readers: 1,884
 * vs 1,914 emails/s) while prepare, sharing the CPUs, wrote the ledger at a third less speed
 * (docs/performance.md). One exception, the head start: a fresh snapshot's first step is a single
 * small delivery batch (one deliver chunk of readers), dispatched as soon as it commits, so the
 * first messages leave within a fraction of a second of the send call whatever the list size
 * (before: after the whole snapshot, ≈ 2 s for 100,000 readers, ≈ 18 s for 1,000,000), while
 * delivering those few messages barely overlaps the snapshot.
 * If that batch is still waiting when the snapshot completes, it gets a second job under a new
 * generation like every pending batch; the claim is conditional, so only one of them delivers it.
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { CompletionListener } from './completion';
import { dispatchPendingBatches, type Dispatcher } from './dispatcher';

interface StepRow {
  prepared: boolean;
  inserted: number;
}

/**
 * Readers walked per prepare statement. Per-statement and per-commit costs dominate small steps
 * (measured ~24,000 ledger rows/s at 500 readers per statement against ~35,000–45,000 at 5,000),
 * while a delivery batch must stay small enough to spread over workers, so one step writes
 * several delivery batches.
 */
const READERS_PER_STEP = 5000;

/** A whole number of delivery batches, so a step's batches are full except at the end. */
export function readersPerStep(batchSize: number): number {
  return batchSize * Math.max(1, Math.round(READERS_PER_STEP / batchSize));
}

export interface PrepareDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  dispatcher: Dispatcher;
  batchSize: number;
  /** Readers in the head start's batch (SEND_CHUNK_SIZE: what one deliver chunk reads). */
  headStartSize: number;
  /** Told when this stage found the send complete. */
  completion: CompletionListener;
}

export class Preparer {
  private readonly headStartSize: number;

  constructor(private readonly d: PrepareDeps) {
    this.headStartSize = Math.min(d.batchSize, d.headStartSize);
  }

  /** Runs (or resumes) the prepare stage of a send; returns the ledger rows this call wrote. */
  async prepare(sendId: number): Promise<number> {
    const { pool, queries } = this.d;
    let written = 0;
    for (;;) {
      const row = await withTransaction(pool, async (client) => {
        // The row lock serialises concurrent preparers; the loser then sees the advanced cursor.
        const { rows } = await client.query<{ status: string; prepared: boolean; prepare_cursor: number; max_subscriber_id: number; default_zone: string | null }>(
          queries.sql('prepare-lock-send'),
          [sendId],
        );
        const s = rows[0];
        if (!s || s.prepared || s.status !== 'preparing') return undefined;
        // A local-time send holds its rows until the scheduler releases their zone: no head start.
        const headStart = Number(s.prepare_cursor) === 0 && s.default_zone === null;
        const res = await client.query<StepRow>(queries.sql('prepare-batch'), [
          sendId,
          s.prepare_cursor,
          s.max_subscriber_id,
          headStart ? this.headStartSize : readersPerStep(this.d.batchSize),
          headStart ? this.headStartSize : this.d.batchSize,
          s.default_zone,
        ]);
        return res.rows[0] && { ...res.rows[0], headStart };
      });
      if (!row) break;
      written += row.inserted;
      if (row.headStart && !row.prepared) await dispatchPendingBatches(pool, queries, this.d.dispatcher, sendId);
      if (row.prepared) {
        // Every pending batch of the send, also those of an earlier prepare of it that died
        // (a crash before this line leaves them to the reconciler, which dispatches them).
        await dispatchPendingBatches(pool, queries, this.d.dispatcher, sendId);
        break;
      }
    }
    // A send with no deliveries open (e.g. nobody to mail) completes here.
    const done = await pool.query<{ id: number; issue_id: number }>(queries.sql('send-complete-if-done'), [sendId]);
    if (done.rows[0]) await this.d.completion.completed(sendId, done.rows[0].issue_id);
    this.d.log.info({ sendId, written }, 'prepare finished');
    return written;
  }
}
