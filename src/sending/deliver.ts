/**
 * Deliver stage: work one batch of the ledger.
 *
 *   claim the batch (conditional UPDATE, random token, lease)
 *   repeat per chunk:
 *     skip rows whose reader is no longer eligible; read the next due rows
 *     wait for the global rate (rows still 'pending'), renew the lease (lost: stop at once)
 *     move the rows to 'sending' — re-checking the reader in the same statement
 *     build each message from the cached variant and hand them to SMTP concurrently
 *     record every outcome of the chunk in one UPDATE; suppress hard bounces; feed the breaker
 *   release the batch (done, or back to pending with its retries' due time) and complete the send
 *
 * A row is 'sending' only while its message is with SMTP. If this process dies then, the reconciler
 * finds the expired lease and marks those rows 'uncertain': they may have been accepted, so they
 * are never re-sent automatically.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { DeliverabilityEvent } from '../deliverability/events';
import type { DeliverabilityService } from '../deliverability/service';
import { enhancedStatusIn } from '../deliverability/status';
import type { VerpTokens } from '../deliverability/verp';
import type { Pool } from '../db/pool';
import { pauseSend } from './pause';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { LinkTokens } from '../subscribers/link-tokens';
import { recipientLinks } from '../subscribers/links';
import type { FailureWindow } from './breaker';
import type { CompletionListener } from './completion';
import type { Dispatcher } from './dispatcher';
import type { SendRateLimiter } from './rate-limit';
import type { SmtpPool, SmtpResult } from './smtp-pool';
import type { VariantCache } from './variants';

export interface DeliverDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  metrics: Metrics;
  config: Pick<Config, 'publicUrl' | 'sending'>;
  linkTokens: LinkTokens;
  smtp: () => SmtpPool;
  rate: SendRateLimiter;
  dispatcher: Dispatcher;
  breaker: FailureWindow;
  variants: VariantCache;
  /** Told when this worker completed a send. */
  completion: CompletionListener;
  /** BOUNCE_DOMAIN set: each message's envelope sender is its VERP address. */
  verp: VerpTokens | undefined;
  /** A 5xx at handoff is recorded like any other hard bounce (suppressed: hard_bounce, source smtp_reply). */
  bounces: Pick<DeliverabilityService, 'record'>;
  /** Told which variants just went out (click counting's burst filter, src/clicks/machine.ts). */
  onDelivered?: (issueId: number, topicSets: string[]) => Promise<void>;
}

interface ClaimedRow {
  id: number;
  subscriber_id: number;
  email: string;
  name: string | null;
  topics: string;
  attempts: number;
}

export interface BatchResult {
  claimed: boolean;
  sent: number;
  failed: number;
  retried: number;
  uncertain: number;
  skipped: number;
}

type Status = 'sent' | 'failed' | 'pending' | 'uncertain' | 'skipped';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Deliverer {
  constructor(private readonly d: DeliverDeps) {}

  /** Exponential backoff with full jitter in [base·2^(n−1)/2, base·2^(n−1)], capped at an hour. */
  retryDelaySeconds(attempts: number): number {
    const ceiling = Math.min(3_600_000, this.d.config.sending.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    return (ceiling / 2 + Math.random() * (ceiling / 2)) / 1000;
  }

  async deliverBatch(batchId: number): Promise<BatchResult> {
    const { pool, queries, config } = this.d;
    const opts = config.sending;
    const result: BatchResult = { claimed: false, sent: 0, failed: 0, retried: 0, uncertain: 0, skipped: 0 };
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

    try {
      const material = await this.d.variants.get(sendId, issueId);
      for (;;) {
        const skipped = await pool.query(queries.sql('deliveries-skip-ineligible'), [batchId]);
        result.skipped += skipped.rowCount ?? 0;
        const due = await pool.query<{ id: number }>(queries.sql('deliveries-due-chunk'), [batchId, opts.chunkSize]);
        if (due.rows.length === 0) break;
        // Wait for the rate limit while the rows are still 'pending': 'sending' must only ever
        // cover the SMTP handoff itself, or a slow wait would look like a dead worker.
        const wait = await this.d.rate.reserve(due.rows.length);
        if (wait > 0) await sleep(wait);
        // Renew right before the handoff, so the lease always outlasts the chunk's SMTP time.
        const renewed = await pool.query(queries.sql('batch-renew'), [batchId, token, opts.leaseSeconds]);
        if (!renewed.rowCount) {
          this.d.log.warn({ batchId }, 'lease lost; stopping this batch');
          return result;
        }
        const { rows } = await pool.query<ClaimedRow>(queries.sql('deliveries-claim-chunk'), [batchId, token, due.rows.map((r) => r.id)]);
        if (rows.length === 0) {
          // Nothing claimable: a reader turned ineligible since the skip (skip again), or the send
          // was paused or cancelled, or the lease was lost (stop).
          const again = await pool.query(queries.sql('deliveries-skip-ineligible'), [batchId]);
          result.skipped += again.rowCount ?? 0;
          if ((again.rowCount ?? 0) > 0) continue;
          break;
        }
        const tripped = await this.sendChunk(sendId, issueId, material, rows, result);
        if (tripped) break;
      }
    } finally {
      await this.release(batchId, token, sendId, issueId);
    }
    return result;
  }

  private async sendChunk(
    sendId: number,
    issueId: number,
    material: Awaited<ReturnType<VariantCache['get']>>,
    rows: ClaimedRow[],
    result: BatchResult,
  ): Promise<boolean> {
    const { config, linkTokens } = this.d;
    const ids: number[] = [];
    const statuses: Status[] = [];
    const codes: (number | null)[] = [];
    const errors: (string | null)[] = [];
    const delays: number[] = [];
    const record = (id: number, status: Status, code: number | null, error: string | null, delay = 0) => {
      ids.push(id);
      statuses.push(status);
      codes.push(code);
      errors.push(error);
      delays.push(delay);
    };

    const toSend: { row: ClaimedRow; message: () => Buffer[] }[] = [];
    for (const row of rows) {
      const variant = material.variants.get(row.topics);
      if (!variant || variant.empty) {
        record(row.id, 'skipped', null, variant ? 'nothing in this issue for these topics' : 'no variant for these topics');
        continue;
      }
      const topics = row.topics.split(',');
      const values = { ...recipientLinks(config.publicUrl, linkTokens, row.subscriber_id, topics), name: row.name ?? '' };
      const recipient = { subscriberId: row.subscriber_id, email: row.email, values };
      toSend.push({ row, message: () => material.builder.buildChunks(variant, recipient) });
    }

    const smtp = this.d.smtp();
    const outcomes = await Promise.all(
      toSend.map(({ row, message }) => smtp.send(this.envelopeFrom(sendId, row.subscriber_id, material.builder.fromAddress), row.email, message)),
    );
    const hardBounces: { row: ClaimedRow; event: DeliverabilityEvent }[] = [];
    const delivered = toSend.filter((_, i) => outcomes[i]!.kind === 'sent').map((x) => x.row.topics);
    if (delivered.length && this.d.onDelivered) {
      // Not awaited: a slow or absent Redis must never hold up delivery.
      this.d.onDelivered(issueId, delivered).catch((err: unknown) => this.d.log.debug({ err }, 'delivery burst mark failed'));
    }
    let permanent = 0;
    let authError: string | undefined;
    outcomes.forEach((o: SmtpResult, i) => {
      const row = toSend[i]!.row;
      this.d.metrics.emailsSent.inc({ kind: 'newsletter', outcome: o.kind });
      switch (o.kind) {
        case 'sent':
          record(row.id, 'sent', 250, null);
          result.sent++;
          break;
        case 'permanent':
          record(row.id, 'failed', o.code, o.error);
          permanent++;
          result.failed++;
          if (o.hardBounce) {
            hardBounces.push({ row, event: { kind: 'hard_bounce', source: 'smtp', address: row.email, status: enhancedStatusIn(o.error), diagnostic: o.error.slice(0, 500), occurredAt: new Date() } });
          }
          break;
        case 'uncertain':
          record(row.id, 'uncertain', null, o.error);
          result.uncertain++;
          break;
        case 'auth':
        case 'transient':
          if (o.kind === 'auth') authError = o.error;
          if (row.attempts >= config.sending.maxAttempts) {
            record(row.id, 'failed', o.kind === 'transient' ? (o.code ?? null) : null, `gave up after ${row.attempts} attempts: ${o.error}`);
            result.failed++;
          } else {
            // An auth failure pauses the send; the row waits to be retried after a resume.
            record(row.id, 'pending', o.kind === 'transient' ? (o.code ?? null) : null, o.error, o.kind === 'auth' ? 0 : this.retryDelaySeconds(row.attempts));
            result.retried++;
          }
          break;
      }
    });
    await this.d.pool.query(this.d.queries.sql('deliveries-record'), [ids, statuses, codes, errors, delays]);
    if (hardBounces.length) {
      await this.d.bounces.record(
        hardBounces.map((h) => h.event),
        { targets: hardBounces.map(({ row }) => ({ sendId, subscriberId: row.subscriber_id, transactionalId: null, email: row.email })) },
      );
    }
    const reason = authError
      ? `SMTP authentication failed: ${authError}`
      : permanent > 0 || toSend.length > 0
        ? this.d.breaker.record(sendId, toSend.length, permanent)
        : undefined;
    if (reason) {
      await pauseSend(this.d.pool, this.d.queries, sendId, reason);
      this.d.log.warn({ sendId, issueId, reason }, 'send paused by the circuit breaker');
      return true;
    }
    return false;
  }

  /** bounces+<token>@BOUNCE_DOMAIN when configured, else MAIL_FROM's address (as before). */
  private envelopeFrom(sendId: number, subscriberId: number, fallback: string): string {
    return this.d.verp ? this.d.verp.address({ kind: 'delivery', sendId, subscriberId }) : fallback;
  }

  private async release(batchId: number, token: string, sendId: number, issueId: number): Promise<void> {
    const { pool, queries } = this.d;
    const { rows } = await pool.query<{ status: string; gen: number; not_before: Date | null; delay_ms: number | null }>(
      queries.sql('batch-release'),
      [batchId, token],
    );
    const r = rows[0];
    // Retries due later get a delayed job; rows due now (a paused send, or a local-time zone
    // released while this batch was claimed) a job a second later, which a paused send refuses
    // until the resume re-dispatches; a held batch (its zone not due, no delay) waits for the
    // scheduler to release the zone. Anything missed is the reconciler's.
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
