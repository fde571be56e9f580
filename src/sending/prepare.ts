/**
 * Prepare stage: snapshot the recipients of a send into the delivery ledger, then dispatch a job
 * per delivery batch. The SQL does the work set-based (db/queries/sending.sql prepare-step); this
 * loop holds nothing per reader in memory, so it streams any list size.
 *
 * The send's subscriber-id span is cut once into ranges (prepare-split), each with its own cursor,
 * and `streams` loops walk them at once, one transaction per step, each step taking a range nobody
 * else holds. The work is Postgres's (one statement stream is bounded by about one core of it), so
 * two streams on two cores wrote 1,000,000 rows in 5.3–5.7 s instead of 8.5 s (docs/performance.md).
 * The cursors live in the database, so a prepare that died resumes where each range stopped, and a
 * second preparer of the same send (a re-dispatched job beside a slow one) takes the ranges the
 * first is not holding.
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

/**
 * Readers walked per prepare statement. Per-statement and per-commit costs dominate small steps
 * (measured ~24,000 ledger rows/s at 500 readers per statement against ~35,000–45,000 at 5,000),
 * while a delivery batch must stay small enough to spread over workers, so one step writes
 * several delivery batches.
 */
const READERS_PER_STEP = 5000;

/**
 * Ranges per stream. More ranges than streams so that uneven density (equal id spans are not equal
 * reader counts) leaves a stream idle only for the last range's tail, not for half the send.
 */
const RANGES_PER_STREAM = 4;

/** A whole number of delivery batches, so a step's batches are full except at a range's end. */
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
  /** Steps run at once (SEND_PREPARE_STREAMS), each on its own connection. */
  streams: number;
  /** Told when this stage found the send complete. */
  completion: CompletionListener;
}

interface Step {
  readers: number;
  batchSize: number;
}

interface StepResult {
  prepared: boolean;
  inserted: number;
}

/** A step whose send stopped preparing (cancelled meanwhile): rolled back, so it leaves no rows. */
class SendNotPreparing extends Error {}

export class Preparer {
  private readonly headStartSize: number;

  constructor(private readonly d: PrepareDeps) {
    this.headStartSize = Math.min(d.batchSize, d.headStartSize);
  }

  /** Runs (or resumes) the prepare stage of a send; returns the ledger rows this call wrote. */
  async prepare(sendId: number): Promise<number> {
    const { pool, queries } = this.d;
    let written = 0;
    let prepared = await this.split(sendId);
    if (prepared === 'fresh') {
      const head = await this.step(sendId, { readers: this.headStartSize, batchSize: this.headStartSize });
      written += head?.inserted ?? 0;
      prepared = head?.prepared ?? false;
      if (head && !head.prepared) await dispatchPendingBatches(pool, queries, this.d.dispatcher, sendId);
    }
    if (prepared === false) {
      const full = { readers: readersPerStep(this.d.batchSize), batchSize: this.d.batchSize };
      // Every stream is waited for, also after one failed, so that this call (and the job that made
      // it) ends only when none of its transactions is still running.
      const settled = await Promise.allSettled(Array.from({ length: this.d.streams }, () => this.walk(sendId, full)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      const streams = settled.map((s) => (s as PromiseFulfilledResult<{ written: number; prepared: boolean }>).value);
      written += streams.reduce((n, s) => n + s.written, 0);
      prepared = streams.some((s) => s.prepared);
    }
    if (prepared === true) {
      // Every pending batch of the send, also those of an earlier prepare of it that died
      // (a crash before this line leaves them to the reconciler, which dispatches them).
      await dispatchPendingBatches(pool, queries, this.d.dispatcher, sendId);
    }
    // A send with no deliveries open (e.g. nobody to mail) completes here.
    const done = await pool.query<{ id: number; issue_id: number }>(queries.sql('send-complete-if-done'), [sendId]);
    if (done.rows[0]) await this.d.completion.completed(sendId, done.rows[0].issue_id);
    this.d.log.info({ sendId, written }, 'prepare finished');
    return written;
  }

  /**
   * Cuts the send into ranges unless that is done. 'fresh' when this call cut a snapshot that had
   * not started (the head start applies), true when the send is prepared (an empty span is
   * prepared at once), false otherwise; undefined when the send is not preparing at all.
   */
  private async split(sendId: number): Promise<'fresh' | boolean | undefined> {
    const { queries } = this.d;
    return withTransaction(this.d.pool, async (client) => {
      const { rows } = await client.query<{ status: string; prepared: boolean; prepare_cursor: string; prepare_ranges_left: number | null; default_zone: string | null }>(
        queries.sql('prepare-lock-send'),
        [sendId],
      );
      const s = rows[0];
      if (!s || s.status !== 'preparing') return undefined;
      if (s.prepared || s.prepare_ranges_left !== null) return s.prepared;
      const cut = await client.query<{ prepared: boolean }>(queries.sql('prepare-split'), [sendId, this.d.streams * RANGES_PER_STREAM]);
      if (cut.rows[0]?.prepared) return true;
      // A local-time send holds its rows until the scheduler releases their zone: no head start.
      return Number(s.prepare_cursor) === 0 && s.default_zone === null ? 'fresh' : false;
    });
  }

  /** One stream: steps free ranges until none is left to take. */
  private async walk(sendId: number, size: Step): Promise<{ written: number; prepared: boolean }> {
    let written = 0;
    for (;;) {
      const r = await this.step(sendId, size);
      if (!r) return { written, prepared: false };
      written += r.inserted;
      if (r.prepared) return { written, prepared: true };
    }
  }

  /** One step on the next free range; undefined when there is none (all done, or all held). */
  private async step(sendId: number, size: Step): Promise<StepResult | undefined> {
    const { queries } = this.d;
    try {
      return await withTransaction(this.d.pool, async (client) => {
        // The step's commit does not wait for its WAL flush. Safe: a crash can only lose the last
        // steps whole (rows, batches, cursor and counters together), which a resumed prepare
        // writes again; and anything that depends on a step (a batch claimed, a message recorded
        // sent) commits synchronously later, which flushes the WAL up to and past the step.
        await client.query('SET LOCAL synchronous_commit = off');
        const { rows } = await client.query<{ part: number; cursor: string; hi: string; default_zone: string | null }>(queries.sql('prepare-lock-range'), [sendId]);
        const range = rows[0];
        if (!range) return undefined;
        const res = await client.query<StepResult>(queries.sql('prepare-step'), [
          sendId, range.part, range.cursor, range.hi, size.readers, size.batchSize, range.default_zone,
        ]);
        if (!res.rows[0]) throw new SendNotPreparing();
        return res.rows[0];
      });
    } catch (err) {
      if (err instanceof SendNotPreparing) return undefined;
      throw err;
    }
  }
}
