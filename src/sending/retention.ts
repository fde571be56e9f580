/**
 * Keeps the delivery ledger small (DELIVERY_RETENTION_DAYS, docs/scaling.md): a send finished more
 * than that many days ago has its partition (migration 025, one per send) rolled up into
 * per-variant, failure-reason and per-reader counts, and then dropped, in one transaction, so a
 * report reads either the rows or the roll-up, never both and never neither. Runs on a timer in
 * every worker process beside the reconciler; an advisory lock makes it one pass at a time.
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import { PeriodicPass } from '../periodic';

export interface RetentionReport {
  ran: boolean;
  /** Sends whose ledger was rolled up and dropped by this pass. */
  sends: number[];
}

/** Sends per pass: each drop is a short ACCESS EXCLUSIVE lock, so few at a time. */
const SENDS_PER_PASS = 5;

export class LedgerRetention {
  private pass: PeriodicPass | undefined;

  constructor(
    private readonly deps: { pool: Pool; queries: Queries; log: Logger; retentionDays: number; intervalMs?: number },
  ) {}

  async run(): Promise<RetentionReport> {
    const sends: number[] = [];
    let ran = true;
    // One send per transaction: the drop's ACCESS EXCLUSIVE lock on deliveries is held until the
    // commit, so it must not wait behind the next send's roll-up (a scan of its whole partition).
    for (let i = 0; i < SENDS_PER_PASS; i++) {
      const step = await this.step();
      if (step === 'locked') ran = false;
      if (typeof step !== 'number') break;
      sends.push(step);
    }
    if (sends.length) this.deps.log.info({ sends, retentionDays: this.deps.retentionDays }, 'delivery ledger rolled up and dropped past retention');
    return { ran, sends };
  }

  /** Rolls up and drops one due send; 'locked' when another process holds the retention lock. */
  private step(): Promise<number | 'locked' | 'none'> {
    const { pool, queries: q, retentionDays } = this.deps;
    return withTransaction(pool, async (client) => {
      const lock = await client.query<{ locked: boolean }>(q.sql('ledger-retention-lock'));
      if (!lock.rows[0]?.locked) return 'locked' as const;
      const due = await client.query<{ id: number }>(q.sql('ledger-retention-due'), [retentionDays, 1]);
      const id = due.rows[0]?.id;
      if (id === undefined) return 'none' as const;
      await client.query(q.sql('ledger-rollup-send'), [id]);
      await client.query(q.sql('ledger-lock-timeout'));
      await client.query(q.sql('ledger-drop-partition'), [id]);
      return id;
    });
  }

  /** Hourly by default (first pass after a minute at most); a failed pass (a lock timeout, say) is retried by the next one. */
  start(): void {
    const every = this.deps.intervalMs ?? 3_600_000;
    this.pass ??= new PeriodicPass(() => this.run(), every,
      (err) => this.deps.log.warn({ err }, 'ledger retention pass failed; the next pass retries'), Math.min(every, 60_000));
    this.pass.start();
  }

  async stop(): Promise<void> {
    await this.pass?.stop();
  }
}
