/**
 * The grouped ledger writer of the deliver stage: the one place that moves a delivery into and out
 * of `sending`. Each SMTP lane (one connection, src/sending/smtp-pool.ts) asks, per message, for
 * one step: "record the reply of my last message, and claim my next row". Steps of every lane of
 * the process are written together by one statement (`deliveries-step`), at most one statement in
 * flight: while it runs, new steps queue and go in the next one (group commit). A lane waits for
 * its step before it starts the next message, so:
 *   - a row is `sending` only while its lane holds it: from just before its envelope until its reply
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

export interface ClaimRequest {
  id: number;
  sendId: number;
  batchId: number;
  token: string;
}

export interface ClaimedRow {
  id: number;
  subscriber_id: number;
  email: string;
  name: string | null;
  topics: string;
  attempts: number;
}

interface Step {
  outcome: Outcome | undefined;
  claim: ClaimRequest | undefined;
  resolve: (row: ClaimedRow | undefined) => void;
  reject: (err: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LedgerWriterOptions {
  /** How long to keep retrying a statement whose connection was lost (kept under the lease). */
  retryForMs: number;
}

export class LedgerWriter {
  private queue: Step[] = [];
  private flushing = false;

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly log: Logger,
    private readonly opts: LedgerWriterOptions,
  ) {}

  /** Records `outcome` (if any) and claims `claim` (if any) in the next grouped statement. */
  step(outcome: Outcome | undefined, claim: ClaimRequest | undefined): Promise<ClaimedRow | undefined> {
    if (!outcome && !claim) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.queue.push({ outcome, claim, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      // One tick lets the other lanes that finished at the same moment join this statement.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length) {
        const steps = this.queue;
        this.queue = [];
        try {
          const rows = await this.write(steps);
          for (const s of steps) s.resolve(s.claim ? rows.get(s.claim.id) : undefined);
        } catch (err) {
          for (const s of steps) s.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(steps: Step[]): Promise<Map<number, ClaimedRow>> {
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
    ];
    const end = Date.now() + this.opts.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.pool.query<ClaimedRow>(this.queries.sql('deliveries-step'), params);
        return new Map(rows.map((r) => [Number(r.id), r]));
      } catch (err) {
        if (!isDatabaseUnavailable(err) || Date.now() > end) throw err;
        this.log.warn({ attempt, err: (err as Error).message }, 'ledger write lost its connection; retrying');
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
  }
}
