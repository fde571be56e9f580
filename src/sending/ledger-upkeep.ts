/**
 * Upkeep of the live ledger partitions: VACUUM and ANALYZE a send's partition while it is written,
 * instead of leaving it to the server's autovacuum; and of send_batches, whose rows a send rewrites
 * at every claim (BATCHES_MIN_DEAD).
 *
 * Why Tidings does this itself: a send's partition is filled in seconds by prepare and then every
 * row is updated twice (pending → sending → sent); before migration 028 none of them was HOT, and a
 * page without room still leaves dead versions. Autovacuum, where it runs, reacts late to a table that is new (its
 * thresholds are a fifth of the rows, checked once a minute) and not at all where an operator has
 * turned it off; meanwhile the planner plans against a partition it believes empty, and every
 * lookup walks the dead versions of the rows it updates. Measured in a 1,000,000-reader send on a
 * server without autovacuum: 483 emails/s before one VACUUM (ANALYZE) of the partition, 1,290
 * after (docs/performance.md, "The ledger's upkeep").
 *
 * Every worker process runs it on a timer, like the reconciler. VACUUM cannot run inside a
 * transaction, so no advisory lock guards it: SKIP_LOCKED makes a second VACUUM of the same
 * partition (another worker's, or autovacuum's) a no-op instead of a wait. The statements are built
 * here and not read from db/queries because VACUUM and ANALYZE cannot be prepared, and the boot
 * check prepares every named query; the partition's name comes from deliveryPartition (db/queries.ts).
 */
import type { Pool } from '../db/pool';
import { deliveryPartition, type Queries } from '../db/queries';
import type { Logger } from '../logger';
import { PeriodicPass } from '../periodic';

export interface LedgerUpkeepDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  /** Between passes (a pass that finds nothing costs one query). */
  intervalMs?: number;
  /** A partition is vacuumed once its dead versions reach this share of its live rows… */
  share?: number;
  /** …and at least this many (small sends are left to the server). */
  minRows?: number;
  /**
   * A partition is analysed once the rows changed since its last statistics reach this share of
   * its live rows (and minRows). The send's statements walk batch ranges whatever the status mix,
   * so one ANALYZE after prepare and about one per pass over the rows is enough; at 0.1 a send of
   * N readers was analysed 20 times (measured: 1.5 s of Postgres time per 100,000 emails).
   */
  analyzeShare?: number;
}

export interface UpkeepAction {
  /** The send whose partition this was; null for send_batches. */
  sendId: number | null;
  table?: 'send_batches';
  vacuumed: boolean;
  analyzed: boolean;
  /** Someone else (autovacuum, another worker) held the partition: nothing was done this time. */
  skipped: boolean;
}

type Outcome = { kind: 'done' | 'skipped' | 'gone' } | { kind: 'refused'; message: string };

const PARTITIONS_PER_PASS = 4;

/**
 * send_batches is vacuumed (and analysed) during a send once this many of its row versions are dead:
 * every claim, lease renewal and release rewrites a batch row (never HOT: lease_until and status are
 * indexed), ~30,000 versions for 2,000 batches at 1,000,000 readers. Left to a server without
 * autovacuum, the claims' lookups walked them all and the planner, with no statistics, looked batches
 * up through a partial index by its second column: the grouped write's mean time rose from 0.4 to
 * 2 ms over a 1,000,000-reader send (docs/performance.md, session 7).
 */
const BATCHES_MIN_DEAD = 1_000;

/** The statement that brings one send's partition up to date, or undefined when none is due. */
export function upkeepStatement(sendId: number, vacuum: boolean, analyze: boolean): string | undefined {
  return tableStatement(deliveryPartition(sendId), vacuum, analyze);
}

function tableStatement(table: string, vacuum: boolean, analyze: boolean): string | undefined {
  if (vacuum) return `VACUUM (SKIP_LOCKED${analyze ? ', ANALYZE' : ''}) ${table}`;
  if (analyze) return `ANALYZE (SKIP_LOCKED) ${table}`;
  return undefined;
}

export class LedgerUpkeep {
  private pass: PeriodicPass | undefined;
  /**
   * Tables (a send's partition, send_batches) the server would not let this role vacuum (not its owner): warned about
   * once, then left to the server, instead of a refused statement every pass.
   */
  private readonly refused = new Set<string>();

  constructor(private readonly d: LedgerUpkeepDeps) {}

  /** One pass: the partitions due, each vacuumed and/or analysed in its own statement. */
  async run(): Promise<UpkeepAction[]> {
    const { pool, queries } = this.d;
    const due = await pool.query<{ id: string | number; vacuum: boolean; analyze: boolean }>(queries.sql('ledger-upkeep-due'), [
      this.d.minRows ?? 10_000,
      this.d.share ?? 0.1,
      PARTITIONS_PER_PASS,
      this.d.analyzeShare ?? 1,
    ]);
    const done: UpkeepAction[] = [];
    for (const row of due.rows) {
      const sendId = Number(row.id);
      const action = await this.upkeep(deliveryPartition(sendId), sendId, row.vacuum, row.analyze);
      if (action) done.push(action);
    }
    // send_batches while a send runs (BATCHES_MIN_DEAD): VACUUM and ANALYZE together.
    const batches = await pool.query<{ vacuum: boolean }>(queries.sql('batches-upkeep-due'), [BATCHES_MIN_DEAD, this.d.share ?? 0.1]);
    if (batches.rows[0]?.vacuum) {
      const action = await this.upkeep('send_batches', null, true, true);
      if (action) done.push(action);
    }
    return done;
  }

  /**
   * One table's statement and its outcome: undefined when nothing was due, the table is gone, or
   * the server refused it (warned about once, then the table is left to the server).
   */
  private async upkeep(table: string, sendId: number | null, vacuum: boolean, analyze: boolean): Promise<UpkeepAction | undefined> {
    if (this.refused.has(table)) return undefined;
    const sql = tableStatement(table, vacuum, analyze);
    if (!sql) return undefined;
    const started = Date.now();
    const outcome = await this.runStatement(sql);
    if (outcome.kind === 'gone') return undefined;
    if (outcome.kind === 'refused') {
      this.refused.add(table);
      this.d.log.warn({ sendId, table, reason: outcome.message }, 'ledger upkeep refused by the server: left to its autovacuum');
      return undefined;
    }
    const action: UpkeepAction = { sendId, vacuumed: vacuum, analyzed: analyze, skipped: outcome.kind === 'skipped' };
    if (sendId === null) action.table = 'send_batches';
    this.d.log.info({ ...action, ms: Date.now() - started }, 'ledger upkeep');
    return action;
  }

  /**
   * Runs one VACUUM/ANALYZE on a client of its own, to hear the server's warnings: 55P03 when
   * SKIP_LOCKED skipped the table, any other when it refused it (a role that does not own the
   * table is told so by a warning, not an error). A partition dropped meanwhile (retention, a
   * deleted send) is not an error of the pass.
   */
  private async runStatement(sql: string): Promise<Outcome> {
    const client = await this.d.pool.connect();
    let skipped = false;
    let refusal: string | undefined;
    const onNotice = (n: { code?: string; severity?: string; message?: string }) => {
      if (n.code === '55P03') skipped = true;
      else if (n.severity === 'WARNING') refusal ??= n.message ?? 'warning';
    };
    client.on('notice', onNotice);
    try {
      await client.query(sql);
      if (refusal !== undefined) return { kind: 'refused', message: refusal };
      return { kind: skipped ? 'skipped' : 'done' };
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return { kind: 'gone' };
      throw err;
    } finally {
      client.off('notice', onNotice);
      client.release();
    }
  }

  start(): void {
    this.pass ??= new PeriodicPass(() => this.run(), this.d.intervalMs ?? 5_000, (err) => this.d.log.warn({ err: err.message }, 'ledger upkeep pass failed'));
    this.pass.start();
  }

  async stop(): Promise<void> {
    await this.pass?.stop();
  }
}
