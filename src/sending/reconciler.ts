/**
 * The reconciler keeps the delivery engine honest without trusting Redis: it runs on a timer in
 * every worker process (not as a BullMQ repeatable job, which a FLUSHALL would erase), one pass at
 * a time across all processes thanks to a transaction-scoped advisory lock. Each pass:
 *   1. expires leases of dead workers: their 'sending' rows become 'uncertain', the batch pending;
 *   2. re-dispatches prepares that stopped beating;
 *   3. re-dispatches pending batches whose job is gone (Redis flushed or restarted);
 *   4. completes sends with nothing open, judged from the ledger.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { CompletionListener } from './completion';
import type { Dispatcher } from './dispatcher';
import { PeriodicPass } from '../periodic';

export interface ReconcileReport {
  ran: boolean;
  expiredBatches: number;
  uncertain: number;
  prepares: number;
  redispatched: number;
  completed: number;
}

export interface ReconcilerDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  dispatcher: Dispatcher;
  leaseSeconds: number;
  intervalMs: number;
  /** Told when this stage found the send complete. */
  completion: CompletionListener;
}

const MAX_CHECKS_PER_PASS = 2000;

export class Reconciler {
  private pass: PeriodicPass | undefined;

  constructor(private readonly d: ReconcilerDeps) {}

  async runOnce(): Promise<ReconcileReport> {
    const { pool, queries, dispatcher } = this.d;
    const report: ReconcileReport = { ran: false, expiredBatches: 0, uncertain: 0, prepares: 0, redispatched: 0, completed: 0 };
    const completed: { id: number; issue_id: number }[] = [];
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ locked: boolean }>(queries.sql('reconcile-lock'));
      if (!lock.rows[0]?.locked) {
        await client.query('ROLLBACK');
        return report;
      }
      report.ran = true;
      const expired = await client.query<{ id: number; send_id: number; first_subscriber_id: number; last_subscriber_id: number }>(
        queries.sql('reconcile-expire-leases'),
      );
      report.expiredBatches = expired.rowCount ?? 0;
      for (const b of expired.rows) {
        const lost = await client.query(queries.forSend('reconcile-batch-uncertain', b.send_id), [b.send_id, b.first_subscriber_id, b.last_subscriber_id]);
        report.uncertain += lost.rowCount ?? 0;
        // The batch is no longer claimed: its counts come from its tallies again (migration 028).
        await client.query(queries.sql('batch-recount'), [b.send_id, [b.id]]);
      }

      const prepares = await client.query<{ id: number; prepare_gen: number }>(queries.sql('reconcile-stale-prepares'), [this.d.leaseSeconds]);
      for (const p of prepares.rows) await dispatcher.prepare(p.id, p.prepare_gen);
      report.prepares = prepares.rowCount ?? 0;

      // Batches dispatched longer than a lease ago: check their job still exists.
      const pending = await client.query<{ id: number; gen: number }>(queries.sql('reconcile-pending-batches'), [
        this.d.leaseSeconds,
        MAX_CHECKS_PER_PASS,
      ]);
      const alive = await Promise.all(pending.rows.map((b) => dispatcher.batchJobAlive(b.id, b.gen)));
      const touched: number[] = [];
      for (const [i, b] of pending.rows.entries()) {
        if (alive[i]) {
          touched.push(b.id);
          continue;
        }
        const re = await client.query<{ id: number; gen: number }>(queries.sql('batch-redispatch'), [b.id]);
        if (re.rows[0]) {
          await dispatcher.batch(b.id, re.rows[0].gen);
          report.redispatched++;
        }
      }
      if (touched.length) await client.query(queries.sql('batch-touch-dispatched'), [touched]);

      const done = await client.query<{ id: number; issue_id: number }>(queries.sql('sends-complete-all-done'));
      completed.push(...done.rows);
      report.completed = done.rowCount ?? 0;
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    for (const s of completed) await this.d.completion.completed(s.id, s.issue_id);
    if (report.expiredBatches || report.prepares || report.redispatched || report.completed) {
      this.d.log.info(report, 'reconciler pass');
    }
    return report;
  }

  start(): void {
    this.pass ??= new PeriodicPass(() => this.runOnce(), this.d.intervalMs, (err) => this.d.log.warn({ err: err.message }, 'reconciler pass failed'));
    this.pass.start();
  }

  async stop(): Promise<void> {
    await this.pass?.stop();
  }
}
