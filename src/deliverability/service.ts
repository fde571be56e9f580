/**
 * The one bounce and complaint service. Every source feeds it — the built-in receiver (DSN, ARF,
 * fallback), the provider webhooks (SES, Mailgun, Postmark, SendGrid), our signed JSON webhook and
 * a 5xx during our own SMTP handoff — so each report has the same consequences whatever the relay:
 *
 *   hard bounce  → the delivery is `bounced` (when it had been handed over), the address suppressed
 *   soft bounce  → counted; SOFT_BOUNCE_LIMIT consecutive issues soft-bounced → suppressed
 *   complaint    → the reader unsubscribed (consent ledger: unsubscribed / complaint), suppressed,
 *                  and the send's complaint rate checked against COMPLAINT_PAUSE_PERCENT
 *
 * A request's events are recorded in one transaction, with its replay claim when it has one.
 * Replays record nothing: one bounce_events row per (send, reader, kind), or per provider event id.
 * `record()` below is the single place a bounce or complaint is recorded; `onRecorded` is told
 * after commit (issue 19's outgoing webhook events bounce.recorded / complaint.recorded /
 * send.paused belong there).
 */
import { createHash } from 'node:crypto';
import { withTransaction, type Pool, type PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import { claimSignature, type SignedRequest } from '../sending/webhook-replays';
import { emailHash } from '../subscribers/email-hash';
import type { Suppressions } from '../subscribers/suppressions';
import { emit } from '../webhooks/emit';
import type { DeliverabilityEvent, DeliverabilityKind } from './events';
import { DeliveryMatcher, type Target } from './match';
import { suppress } from './suppress';
import type { VerpRef, VerpTokens } from './verp';

export interface DeliverabilityOptions {
  softBounceLimit: number;
  complaintPausePercent: number;
  complaintMinDelivered: number;
}

export interface RecordedEvent {
  event: DeliverabilityEvent;
  target: Target;
  suppressed: boolean;
  unsubscribed: boolean;
  /** The send was paused by the complaint-rate breaker because of this event. */
  paused?: string;
}

export interface RecordOutcome {
  kind: DeliverabilityKind;
  matchedBy: Target['matchedBy'];
  sendId: number | null;
  duplicate: boolean;
  suppressed: boolean;
  unsubscribed: boolean;
  paused?: string;
}

export interface RecordOptions {
  /** The receiver's verified envelope recipient: it decides the delivery, whatever the report says. */
  ref?: VerpRef;
  /** Known deliveries, one per event (the SMTP handoff path): no matching needed. */
  targets?: Omit<Target, 'matchedBy'>[];
  /** Signed requests: claimed in the same transaction, a replay throws 409 and records nothing. */
  replay?: SignedRequest;
  /** Whether a bare reported address may identify the reader (authenticated sources only). */
  trustAddress?: boolean;
}

export type RecordedListener = (recorded: RecordedEvent) => void;

const TYPE: Record<DeliverabilityKind, 'hard' | 'soft' | 'complaint'> = { hard_bounce: 'hard', soft_bounce: 'soft', complaint: 'complaint' };

function dedupeKey(event: DeliverabilityEvent, t: Target): Buffer | null {
  const kind = TYPE[event.kind];
  const id =
    t.sendId !== null && t.subscriberId !== null
      ? `d:${t.sendId}:${t.subscriberId}:${kind}`
      : t.transactionalId !== null
        ? `t:${t.transactionalId}:${kind}`
        : event.providerEventId
          ? `p:${event.source}:${event.providerEventId}:${kind}`
          : null;
  return id === null ? null : createHash('sha256').update(id).digest();
}

function describe(event: DeliverabilityEvent): string {
  const what = event.kind === 'complaint' ? `complaint${event.feedbackType ? ` (${event.feedbackType})` : ''}` : [event.status, event.diagnostic].filter(Boolean).join(' ');
  return `${event.source}: ${what || event.kind}`.slice(0, 500);
}

export class DeliverabilityService {
  private readonly matcher: DeliveryMatcher;
  private readonly listeners: RecordedListener[] = [];

  constructor(
    private readonly d: {
      pool: Pool;
      queries: Queries;
      log: Logger;
      verp: VerpTokens | undefined;
      secretKeys: readonly string[];
      suppressions: Pick<Suppressions, 'suppress'>;
      options: DeliverabilityOptions;
    },
  ) {
    this.matcher = new DeliveryMatcher(d.queries, d.verp, d.secretKeys);
  }

  /** Told of every recorded (not replayed) event, after its transaction committed. */
  onRecorded(listener: RecordedListener): void {
    this.listeners.push(listener);
  }

  async record(events: DeliverabilityEvent[], opts: RecordOptions = {}): Promise<RecordOutcome[]> {
    const recorded: RecordedEvent[] = [];
    const outcomes = await withTransaction(this.d.pool, async (client) => {
      if (opts.replay) await claimSignature(client, this.d.queries, opts.replay);
      const out: RecordOutcome[] = [];
      for (const [i, event] of events.entries()) {
        const known = opts.targets?.[i];
        const target: Target = known ? { ...known, matchedBy: 'verp' } : await this.matcher.resolve(client, event, opts.ref, opts.trustAddress ?? false);
        out.push(await this.recordOne(client, event, target, recorded));
      }
      return out;
    });
    for (const r of recorded) {
      for (const l of this.listeners) {
        try {
          l(r);
        } catch (err) {
          this.d.log.error({ err }, 'deliverability listener failed');
        }
      }
    }
    return outcomes;
  }

  private async recordOne(client: PoolClient, event: DeliverabilityEvent, target: Target, recorded: RecordedEvent[]): Promise<RecordOutcome> {
    const q = this.d.queries;
    const base = { kind: event.kind, matchedBy: target.matchedBy, sendId: target.sendId };
    if (!target.email) {
      // Nobody to act on (an unknown address, an erased reader): logged, nothing changed.
      this.d.log.info({ kind: event.kind, source: event.source, matchedBy: target.matchedBy }, 'deliverability event matched no reader');
      return { ...base, duplicate: false, suppressed: false, unsubscribed: false };
    }
    const hash = emailHash(target.email);
    const detail = describe(event);
    const inserted = await client.query(q.sql('dlv-event-insert'), [
      hash, TYPE[event.kind], detail, target.sendId, target.subscriberId, event.source, event.status ?? null, dedupeKey(event, target), event.occurredAt,
    ]);
    if (!inserted.rowCount) return { ...base, duplicate: true, suppressed: false, unsubscribed: false };

    let suppressed: boolean;
    let unsubscribed = false;
    let paused: string | undefined;
    if (event.kind === 'hard_bounce') {
      if (target.sendId !== null && target.subscriberId !== null) {
        const bounced = await client.query<{ batch_id: number }>(q.sql('dlv-delivery-bounced'), [target.sendId, target.subscriberId]);
        // Its batch's tallies, in this transaction (migration 028).
        if (bounced.rows[0]) await client.query(q.sql('batch-recount'), [target.sendId, [bounced.rows[0].batch_id]]);
      }
      await suppress(client, this.d.suppressions, { emailHash: hash, reason: 'hard_bounce', source: event.source, detail });
      suppressed = true;
    } else if (event.kind === 'soft_bounce') {
      suppressed = await this.softLimitReached(client, target, hash, event, detail);
    } else {
      if (target.subscriberId !== null) {
        const changed = await client.query(q.sql('subscriber-set-unsubscribed'), [target.subscriberId]);
        if (changed.rowCount) {
          await client.query(q.sql('consent-insert'), [target.subscriberId, 'unsubscribed', 'complaint', null, null, null, null]);
          unsubscribed = true;
        }
      }
      await suppress(client, this.d.suppressions, { emailHash: hash, reason: 'complaint', source: event.source, detail });
      suppressed = true;
      if (target.sendId !== null) paused = await this.checkComplaintRate(client, target.sendId);
    }
    // Outgoing webhooks, in this transaction, in order with the reader's other events (src/webhooks/emit.ts).
    const tx = { client, queries: q };
    const ids = { subscriber_id: target.subscriberId, send_id: target.sendId };
    await emit(tx, event.kind === 'complaint' ? 'complaint.recorded' : 'bounce.recorded', { ...ids, kind: event.kind, source: event.source, suppressed, unsubscribed });
    if (unsubscribed) await emit(tx, 'subscriber.unsubscribed', { ...ids, reason: 'complaint' });
    if (paused) await emit(tx, 'send.paused', { send_id: target.sendId, reason: paused });
    recorded.push({ event, target, suppressed, unsubscribed, ...(paused ? { paused } : {}) });
    return { ...base, duplicate: false, suppressed, unsubscribed, ...(paused ? { paused } : {}) };
  }

  /** SOFT_BOUNCE_LIMIT: the reader's last N handed-over deliveries all soft-bounced → suppressed. */
  private async softLimitReached(client: PoolClient, t: Target, hash: Buffer, event: DeliverabilityEvent, detail: string): Promise<boolean> {
    if (t.subscriberId === null) return false;
    const limit = this.d.options.softBounceLimit;
    const { rows } = await client.query<{ mailed: number; soft: number }>(this.d.queries.sql('dlv-soft-streak'), [t.subscriberId, limit]);
    const streak = rows[0];
    if (!streak || streak.soft < limit) return false;
    await suppress(client, this.d.suppressions, { emailHash: hash, reason: 'soft_bounce_limit', source: event.source, detail: `${limit} consecutive issues; last ${detail}` });
    return true;
  }

  /**
   * The complaint-rate breaker: past COMPLAINT_PAUSE_PERCENT of delivered messages (once at least
   * COMPLAINT_MIN_DELIVERED were delivered) a running send pauses with the reason; past a third of
   * it the send carries a warning. Judged from Postgres, so every process sees the same rate.
   */
  private async checkComplaintRate(client: PoolClient, sendId: number): Promise<string | undefined> {
    const { complaintPausePercent: limit, complaintMinDelivered: min } = this.d.options;
    const { rows } = await client.query<{ complaints: number; delivered: number }>(this.d.queries.sql('dlv-complaint-rate'), [sendId]);
    const r = rows[0];
    if (!r || r.delivered < min || r.delivered === 0) return undefined;
    const percent = (r.complaints * 100) / r.delivered;
    const shown = `${r.complaints} complaints of ${r.delivered} delivered (${percent.toFixed(2)}%)`;
    if (percent > limit) {
      const reason = `complaint rate over ${limit}%: ${shown}`;
      const paused = await client.query(this.d.queries.sql('send-pause'), [sendId, reason]);
      if (paused.rowCount) {
        this.d.log.warn({ sendId, complaints: r.complaints, delivered: r.delivered }, 'send paused by the complaint-rate breaker');
        return reason;
      }
      return undefined;
    }
    if (percent > limit / 3) {
      const warned = await client.query(this.d.queries.sql('dlv-send-warn'), [sendId, `complaint rate past a third of ${limit}%: ${shown}`]);
      if (warned.rowCount) this.d.log.warn({ sendId, complaints: r.complaints, delivered: r.delivered }, 'complaint rate warning');
    }
    return undefined;
  }
}
