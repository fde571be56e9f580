/**
 * One chunk of a batch through SMTP lanes. A lane is one pooled connection held for the chunk;
 * per message it (1) makes sure its connection is up, (2) asks the grouped ledger writer, in one
 * step, to record the reply of its previous message and mark the next row `sending`, and (3)
 * meanwhile sends the envelope: the body waits for that step (src/sending/smtp-pool.ts's gate), so
 * the database round trip overlaps the MAIL/RCPT/DATA round trips instead of adding to them. Its
 * last reply is recorded before the connection goes back to the pool. So a lane never has more than
 * one row whose outcome is not durable, no body starts before its row is `sending`, and rows it has
 * not reached are still `pending`.
 */
import type { Config } from '../config';
import type { DeliverabilityEvent } from '../deliverability/events';
import type { DeliverabilityService } from '../deliverability/service';
import { enhancedStatusIn } from '../deliverability/status';
import type { VerpTokens } from '../deliverability/verp';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { LinkTokens } from '../subscribers/link-tokens';
import { recipientLinks } from '../subscribers/links';
import type { FailureWindow } from './breaker';
import type { CompletionListener } from './completion';
import type { Dispatcher } from './dispatcher';
import type { LedgerWriter, MarkRequest, Outcome } from './ledger-writer';
import { pauseSend } from './pause';
import type { SendRateLimiter } from './rate-limit';
import type { SmtpLane, SmtpPool, SmtpResult } from './smtp-pool';
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
  /** BOUNCE_DOMAIN set: each message's envelope sender is its VERP address. */
  verp: VerpTokens | undefined;
  /** A 5xx at handoff is recorded like any other hard bounce (suppressed: hard_bounce, source smtp_reply). */
  bounces: Pick<DeliverabilityService, 'record'>;
  /** The grouped writer of claims and outcomes (one statement for all lanes of the process). */
  ledger: LedgerWriter;
  /** Told when this worker completed a send. */
  completion: CompletionListener;
  /** Told which variants just went out (click counting's burst filter, src/clicks/machine.ts). */
  onDelivered?: (issueId: number, topicSets: string[]) => Promise<void>;
}

export interface BatchResult {
  claimed: boolean;
  sent: number;
  failed: number;
  retried: number;
  uncertain: number;
  skipped: number;
}

/** A due row read with what its message needs (deliveries-next-chunk); still `pending`. */
export interface DueRow {
  id: number;
  subscriber_id: number;
  email: string;
  name: string | null;
  topics: string;
  attempts: number;
}

export interface ChunkContext {
  batchId: number;
  token: string;
  sendId: number;
  issueId: number;
  material: Awaited<ReturnType<VariantCache['get']>>;
  /** True once the process drains (SIGTERM) or the lease was lost: lanes take no further row. */
  stop: () => boolean;
}

interface Tally {
  claimed: number;
  handed: number;
  permanent: number;
  authError: string | undefined;
  hardBounces: { row: DueRow; event: DeliverabilityEvent }[];
  /** Topic sets of the messages the relay accepted (for onDelivered). */
  delivered: string[];
}

export async function sendChunk(
  d: DeliverDeps,
  retryDelaySeconds: (attempts: number) => number,
  ctx: ChunkContext,
  rows: DueRow[],
  result: BatchResult,
): Promise<{ tripped: boolean; claimed: number }> {
  const queue = [...rows];
  const tally: Tally = { claimed: 0, handed: 0, permanent: 0, authError: undefined, hardBounces: [], delivered: [] };
  const smtp = d.smtp();
  const lanes = Math.min(d.config.sending.smtpMaxConnections, queue.length);
  const outcomeOf = (row: DueRow, o: SmtpResult): Outcome => ({ ...classify(d, retryDelaySeconds, row, o, tally, result), sendId: ctx.sendId });
  const runs = Array.from({ length: lanes }, () => runLane(d, ctx, smtp.lane(), queue, tally, result, outcomeOf));
  // Every lane runs to its end (and records its last reply) even if another failed.
  const settled = await Promise.allSettled(runs);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;

  const { sendId, issueId } = ctx;
  if (tally.delivered.length && d.onDelivered) {
    // Not awaited: a slow or absent Redis must never hold up delivery.
    d.onDelivered(issueId, tally.delivered).catch((err: unknown) => d.log.debug({ err }, 'delivery burst mark failed'));
  }
  if (tally.hardBounces.length) {
    await d.bounces.record(
      tally.hardBounces.map((h) => h.event),
      { targets: tally.hardBounces.map(({ row }) => ({ sendId, subscriberId: row.subscriber_id, transactionalId: null, email: row.email })) },
    );
  }
  const reason = tally.authError
    ? `SMTP authentication failed: ${tally.authError}`
    : tally.permanent > 0 || tally.handed > 0
      ? d.breaker.record(sendId, tally.handed, tally.permanent)
      : undefined;
  if (reason) {
    await pauseSend(d.pool, d.queries, sendId, reason); // with its send.paused webhook event
    d.log.warn({ sendId, issueId, reason }, 'send paused by the circuit breaker');
    return { tripped: true, claimed: tally.claimed };
  }
  return { tripped: false, claimed: tally.claimed };
}

async function runLane(
  d: DeliverDeps,
  ctx: ChunkContext,
  lane: SmtpLane,
  queue: DueRow[],
  tally: Tally,
  result: BatchResult,
  outcomeOf: (row: DueRow, o: SmtpResult) => Outcome,
): Promise<void> {
  const { material, batchId, token, sendId } = ctx;
  let last: Outcome | undefined;
  try {
    for (;;) {
      const row = ctx.stop() ? undefined : queue.shift();
      if (row === undefined) break;
      // Connect first: a row becomes 'sending' only once a connection is ready for it.
      const refused = await lane.ready();
      const mark: MarkRequest = { id: row.id, sendId, batchId, token, topics: row.topics };
      const variant = material.variants.get(row.topics);
      if (refused || !variant || variant.empty) {
        // Nothing to hand over: mark it (the attempt counts), then record why it was not sent.
        const marked = await d.ledger.step(last, mark);
        last = undefined;
        if (!marked) break; // see below
        tally.claimed++;
        if (refused) last = outcomeOf(row, refused);
        else {
          result.skipped++;
          const error = variant ? 'nothing in this issue for these topics' : 'no variant for these topics';
          last = { id: row.id, sendId, status: 'skipped', code: null, error, delay: 0 };
        }
        continue;
      }
      // The step runs while the envelope goes out; the body waits for it (the gate).
      const gate = d.ledger.step(last, mark);
      // Awaited only once the SMTP call ends: a step that fails meanwhile is not unhandled.
      gate.catch(() => undefined);
      last = undefined;
      const topics = row.topics.split(',');
      const values = { ...recipientLinks(d.config.publicUrl, d.linkTokens, row.subscriber_id, topics), name: row.name ?? '' };
      const recipient = { subscriberId: row.subscriber_id, email: row.email, values };
      // bounces+<token>@BOUNCE_DOMAIN when configured, else MAIL_FROM's address.
      const from = d.verp ? d.verp.address({ kind: 'delivery', sendId, subscriberId: row.subscriber_id }) : material.builder.fromAddress;
      const sent = await lane.send(from, row.email, () => material.builder.buildChunks(variant, recipient), gate);
      // Not marked (paused, cancelled, claim lost, reader left): no body went out, the row stays
      // pending and the session was dropped. The lane stops: after a pause every further row would
      // cost the relay another dropped session; rows left go back to the next chunk read, which
      // returns nothing for a paused send and skips a reader who left. A failed step throws here.
      if (!(await gate)) break;
      tally.claimed++;
      tally.handed++;
      last = outcomeOf(row, sent);
    }
    // The last reply is durable before the connection can serve anyone else.
    await d.ledger.step(last, undefined);
  } finally {
    lane.release();
  }
}

/** Maps an SMTP result to the row's next state and counts it. */
function classify(
  d: DeliverDeps,
  retryDelaySeconds: (attempts: number) => number,
  row: DueRow,
  o: SmtpResult,
  tally: Tally,
  result: BatchResult,
): Omit<Outcome, 'sendId'> {
  d.metrics.emailsSent.inc({ kind: 'newsletter', outcome: o.kind });
  const at = (status: Outcome['status'], code: number | null, error: string | null, delay = 0): Omit<Outcome, 'sendId'> => ({ id: row.id, status, code, error, delay });
  switch (o.kind) {
    case 'sent':
      result.sent++;
      tally.delivered.push(row.topics);
      return at('sent', 250, null);
    case 'permanent':
      tally.permanent++;
      result.failed++;
      if (o.hardBounce) {
        const event: DeliverabilityEvent = { kind: 'hard_bounce', source: 'smtp', address: row.email, status: enhancedStatusIn(o.error), diagnostic: o.error.slice(0, 500), occurredAt: new Date() };
        tally.hardBounces.push({ row, event });
      }
      return at('failed', o.code, o.error);
    case 'uncertain':
      result.uncertain++;
      return at('uncertain', null, o.error);
    case 'auth':
    case 'transient': {
      if (o.kind === 'auth') tally.authError = o.error;
      const code = o.kind === 'transient' ? (o.code ?? null) : null;
      if (row.attempts >= d.config.sending.maxAttempts) {
        result.failed++;
        return at('failed', code, `gave up after ${row.attempts} attempts: ${o.error}`);
      }
      // An auth failure pauses the send; the row waits to be retried after a resume.
      result.retried++;
      return at('pending', code, o.error, o.kind === 'auth' ? 0 : retryDelaySeconds(row.attempts));
    }
  }
}
