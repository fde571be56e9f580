/**
 * The grouped ledger writer of the deliver stage: the one place that moves a delivery into and out
 * of `sending`. Each SMTP lane (one connection, src/sending/smtp-pool.ts) asks, per message, for
 * one step: "record the reply of my last message, and mark my next row `sending`". Steps of every
 * lane of the process are written together by one statement (`deliveries-step`), with at most
 * `maxInFlight` statements running: steps that arrive meanwhile queue and go in the next one (group
 * commit). The lane sends the next envelope meanwhile, but its body waits for the step
 * (src/sending/deliver-chunk.ts), so:
 *   - a row is `sending` only while its lane holds it: from just before its body until its reply
 *     is durable; rows of a batch not yet reached stay `pending` (a crash costs nothing for them);
 *   - a lane never has more than one row whose reply is unrecorded, hence a crashed process leaves
 *     at most `SMTP_MAX_CONNECTIONS` rows `sending` (they become `uncertain`).
 * A lost database connection (restart, pg_terminate_backend) is retried for a while: the statement
 * is idempotent for outcomes (only rows still `sending` change) and the claim re-checks `pending`.
 */
import { isDatabaseUnavailable, type Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';

export type OutcomeStatus = 'sent' | 'failed' | 'pending' | 'uncertain' | 'skipped';

export interface Outcome {
  id: number;
  /** The row's send: the ledger is partitioned by send (migration 025). */
  sendId: number;
  status: OutcomeStatus;
  code: number | null;
  error: string | null;
  /** Seconds until a retry is due (status 'pending'). */
  delay: number;
}

/** A row to mark `sending` under the batch's claim, with the topic set its message was built for. */
export interface MarkRequest {
  id: number;
  sendId: number;
  batchId: number;
  token: string;
  topics: string;
}

interface Step {
  outcome: Outcome | undefined;
  claim: MarkRequest | undefined;
  resolve: (marked: boolean) => void;
  reject: (err: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LedgerWriterOptions {
  /** How long to keep retrying a statement whose connection was lost (kept under the lease). */
  retryForMs: number;
  /**
   * Statements in flight at once. Their rows are disjoint (a lane has one step in flight), so they
   * cannot conflict; more than one lets a slow statement's wait overlap the next one's.
   */
  maxInFlight: number;
}

export class LedgerWriter {
  private queue: Step[] = [];
  private flushing = false;
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly log: Logger,
    private readonly opts: LedgerWriterOptions,
  ) {}

  /**
   * Records `outcome` (if any) and marks `claim` (if any) in the next grouped statement; true when
   * the row was marked (false: paused, cancelled, claim lost, or the reader left; it stays pending).
   */
  step(outcome: Outcome | undefined, claim: MarkRequest | undefined): Promise<boolean> {
    if (!outcome && !claim) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      this.queue.push({ outcome, claim, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    // One tick lets the other lanes that finished at the same moment join this statement.
    await new Promise((r) => setImmediate(r));
    this.flushing = false;
    // Everything queued goes in one statement; with every slot busy it waits for the next free one.
    if (this.queue.length && this.inFlight < this.opts.maxInFlight) {
      const steps = this.queue;
      this.queue = [];
      this.inFlight++;
      void this.write(steps).then(
        (rows) => {
          for (const s of steps) s.resolve(s.claim ? rows.has(s.claim.id) : false);
        },
        (err: unknown) => {
          for (const s of steps) s.reject(err);
        },
      ).finally(() => {
        this.inFlight--;
        if (this.queue.length && !this.flushing) void this.flush();
      });
    }
  }

  private async write(steps: Step[]): Promise<Set<number>> {
    const outcomes = steps.flatMap((s) => (s.outcome ? [s.outcome] : []));
    const claims = steps.flatMap((s) => (s.claim ? [s.claim] : []));
    const params = [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.code),
      outcomes.map((o) => o.error),
      outcomes.map((o) => o.delay),
      claims.map((c) => c.id),
      claims.map((c) => c.batchId),
      claims.map((c) => c.token),
      outcomes.map((o) => o.sendId),
      claims.map((c) => c.sendId),
      claims.map((c) => c.topics),
    ];
    // Nearly always every step is of one send: the statement then names its partition, whose cost
    // does not grow with the number of sends (Queries.forSend); a group spanning sends (two sends
    // in flight in one process) takes the parent table's form, the same rows either way.
    const sends = new Set([...outcomes, ...claims].map((x) => x.sendId));
    const statement = sends.size === 1
      ? this.queries.forSend('deliveries-step', [...sends][0]!)
      : this.queries.prepared('deliveries-step');
    const end = Date.now() + this.opts.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.pool.query<{ id: number }>(statement, params);
        return new Set(rows.map((r) => r.id));
      } catch (err) {
        if (!isDatabaseUnavailable(err) || Date.now() > end) throw err;
        this.log.warn({ attempt, err: (err as Error).message }, 'ledger write lost its connection; retrying');
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
  }
}
