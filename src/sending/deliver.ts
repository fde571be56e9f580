/**
 * Deliver stage: work one batch of the ledger.
 *
 *   claim the batch (conditional UPDATE, random token, lease renewed on a timer while held)
 *   repeat per chunk:
 *     read the next due rows with their addresses, skipping readers no longer eligible (the rest
 *     stay 'pending'); wait for the global rate, renew the lease (lost: stop at once)
 *     hand the rows to SMTP lanes (src/sending/deliver-chunk.ts): each lane marks one row at a
 *     time 'sending' (re-checking the reader) while its envelope goes out, sends the body once
 *     marked, and records its reply before its connection sends the next body — grouped across
 *     lanes (src/sending/ledger-writer.ts)
 *     suppress hard bounces; feed the breaker
 *   release the batch (done, or back to pending with its retries' due time) and complete the send
 *
 * A row is 'sending' only while a lane holds it, so at most SMTP_MAX_CONNECTIONS rows per process
 * are. If this process dies, the reconciler finds the expired lease and marks those rows
 * 'uncertain' (they may have been accepted, so they are never re-sent automatically); every other
 * row of the batch is still 'pending' and is sent later by another worker.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction } from '../db/pool';
import { sendChunk, type BatchResult, type ChunkContext, type DueRow, type DeliverDeps } from './deliver-chunk';

export type { BatchResult, DeliverDeps } from './deliver-chunk';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Deliverer {
  private draining = false;

  constructor(private readonly d: DeliverDeps) {}

  /** Exponential backoff with full jitter in [base·2^(n−1)/2, base·2^(n−1)], capped at an hour. */
  retryDelaySeconds(attempts: number): number {
    const ceiling = Math.min(3_600_000, this.d.config.sending.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    return (ceiling / 2 + Math.random() * (ceiling / 2)) / 1000;
  }

  /** SIGTERM: take no new batch or row; lanes finish the message they hold and record it. */
  drain(): void {
    this.draining = true;
  }

  async deliverBatch(batchId: number): Promise<BatchResult> {
    const { pool, queries, config } = this.d;
    const opts = config.sending;
    const result: BatchResult = { claimed: false, sent: 0, failed: 0, retried: 0, uncertain: 0, skipped: 0 };
    // A draining process leaves the job to the reconciler (the batch stays pending, unclaimed).
    if (this.draining) return result;
    const token = randomUUID();
    const claim = await pool.query<{ send_id: number; issue_id: number }>(queries.sql('batch-claim'), [
      batchId,
      token,
      opts.leaseSeconds,
    ]);
    const claimed = claim.rows[0];
    if (!claimed) return result;
    result.claimed = true;
    const { send_id: sendId, issue_id: issueId } = claimed;
    const lease = this.holdLease(batchId, token);

    try {
      const material = await this.d.variants.get(sendId, issueId);
      const ctx: ChunkContext = { batchId, token, sendId, issueId, material, stop: () => this.draining || lease.lost };
      let idle = 0;
      for (;;) {
        if (ctx.stop()) break;
        const next = await pool.query<DueRow & { ok: boolean }>(queries.forSend('deliveries-next-chunk', sendId), [batchId, token, opts.chunkSize]);
        if (next.rows.length === 0) break; // done, or paused, cancelled, claim lost
        const rows: DueRow[] = next.rows.filter((r) => r.ok);
        result.skipped += next.rows.length - rows.length;
        if (rows.length === 0) continue;
        // Wait for the rate limit while the rows are still 'pending': a row is 'sending' only
        // while an SMTP lane holds it, so a slow wait never looks like a message in flight.
        const wait = await this.d.rate.reserve(rows.length);
        if (wait > 0) await sleep(wait);
        const renewed = await pool.query(queries.sql('batch-renew'), [batchId, token, opts.leaseSeconds]);
        if (!renewed.rowCount) {
          this.d.log.warn({ batchId }, 'lease lost; stopping this batch');
          return result;
        }
        const chunk = await sendChunk(this.d, (n) => this.retryDelaySeconds(n), ctx, rows, result);
        if (chunk.tripped) break;
        if (chunk.claimed === 0) {
          // Nothing marked: the send was paused or cancelled, the claim lost (the next read returns
          // nothing), or every reader of the chunk left since it was read (the next read skips them).
          // Twice in a row means the state keeps moving under us: leave the batch to its next job.
          if (idle++) break;
        } else idle = 0;
      }
    } finally {
      lease.stop();
      await this.release(batchId, token, sendId, issueId);
    }
    return result;
  }

  /**
   * Renews the lease on a timer while the batch is held: with a slow relay (seconds per command) a
   * chunk can outlast the lease, and an expired lease would make its in-flight rows uncertain.
   */
  private holdLease(batchId: number, token: string): { lost: boolean; stop(): void } {
    const { pool, queries, config } = this.d;
    const state = { lost: false, stop: () => clearInterval(timer) };
    const timer = setInterval(() => {
      pool.query(queries.sql('batch-renew'), [batchId, token, config.sending.leaseSeconds]).then(
        (r) => {
          if (!r.rowCount) state.lost = true;
        },
        () => undefined, // the database is away: the next tick tries again, the lease still runs
      );
    }, Math.max(200, (config.sending.leaseSeconds * 1000) / 3));
    timer.unref();
    return state;
  }

  /** bounces+<token>@BOUNCE_DOMAIN when configured, else MAIL_FROM's address (as before). */
  private envelopeFrom(sendId: number, subscriberId: number, fallback: string): string {
    return this.d.verp ? this.d.verp.address({ kind: 'delivery', sendId, subscriberId }) : fallback;
  }

  private async release(batchId: number, token: string, sendId: number, issueId: number): Promise<void> {
    const { pool, queries } = this.d;
    // The claim ends and the batch's tallies are recounted in one transaction: from then on its
    // counts come from the tallies, not from its rows (migration 028).
    const { rows } = await withTransaction(pool, async (client) => {
      const released = await client.query<{ status: string; gen: number; not_before: Date | null; delay_ms: number | null }>(
        queries.forSend('batch-release', sendId),
        [batchId, token],
      );
      if (released.rowCount) await client.query(queries.sql('batch-recount'), [sendId, [batchId]]);
      return released;
    });
    const r = rows[0];
    // Retries due later get a delayed job; rows due now (a paused send, or a local-time zone
    // released while this batch was claimed) a job a second later, which a paused send refuses
    // until the resume re-dispatches; a held batch (its zone not due, no delay) waits for the
    // scheduler to release the zone. Anything missed is the reconciler's. (A draining worker's
    // unfinished batch is such a due-now batch: another process takes it a second later.)
    if (r && r.status === 'pending') {
      if (r.not_before === null) await this.d.dispatcher.batch(batchId, r.gen, 1000);
      else if (r.delay_ms !== null) await this.d.dispatcher.batch(batchId, r.gen, Number(r.delay_ms));
      else {
        // Held, but a zone may have been released while this worker held the batch (after the
        // release statement above read the rows): checked now, after it committed, so either this
        // sees the released rows or the scheduler's unhold, which comes after, sees this batch held.
        const un = await pool.query<{ gen: number }>(queries.sql('batch-unhold-if-due'), [batchId]);
        if (un.rows[0]) await this.d.dispatcher.batch(batchId, un.rows[0].gen);
      }
    }
    const done = await pool.query(queries.sql('send-complete-if-done'), [sendId]);
    if (done.rowCount) await this.d.completion.completed(sendId, issueId);
  }
}
