/**
 * The editor's side of a send: start (idempotent), progress from the ledger (and a live watch of
 * it), pause / resume / cancel, and the resolution of uncertain deliveries. Every action that
 * changed something is written to the audit log with the editor who did it, here, so the JSON API
 * (src/http/sends-api.ts) and the console (src/http/admin/send.ts) record it the same way.
 *
 * Counts always add up: sent + skipped + failed + uncertain + cancelled + pending = total, where
 * `pending` includes the few rows in flight ('sending') at the moment of reading.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction, type Pool } from '../db/pool';
import { emit } from '../webhooks/emit';
import { pauseSend } from './pause';
import { cancelPendingDeliveries, markUncertainSent, resendUncertain } from './ledger-edits';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import type { Editor } from '../editors/keys';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Logger } from '../logger';
import { dispatchPendingBatches, type Dispatcher } from './dispatcher';

import { DELIVERY_STATUSES, isFinal, shownSendStatus, type DeliveryStatus, type SendState, type SendStatus } from './status';

export interface SendRow {
  id: number;
  issue_id: number;
  status: SendState;
  paused: boolean;
  pause_reason: string | null;
  idempotency_key: string | null;
  prepared: boolean;
  total: number;
  created_at: Date;
  prepared_at: Date | null;
  completed_at: Date | null;
  complaint_warning: string | null;
}

export interface Progress {
  send_id: number;
  issue_id: number;
  status: SendStatus;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  uncertain: number;
  pending: number;
  cancelled: number;
  /** Handed over, then reported back as a hard bounce. */
  bounced: number;
  /** The complaint rate passed a third of COMPLAINT_PAUSE_PERCENT (the pause itself is pause_reason). */
  complaint_warning: string | null;
  in_flight: number;
  prepared: boolean;
  pause_reason: string | null;
  /** Messages handed to SMTP per second over the last 10 seconds. */
  rate: number;
  created_at: string;
  completed_at: string | null;
}

/** Renders the variants of an issue (issue 4's renderer); runs at send start, in the API process. */
export interface VariantRenderer {
  ensureVariants(issueId: number): Promise<unknown>;
}

export interface StartOptions {
  idempotencyKey?: string;
  /** Started by the scheduler: the issue must be `scheduled` (its variants are already rendered). */
  scheduled?: boolean;
  /** Local-time delivery: each reader at `time` on `date` in their zone (else `defaultZone`). */
  local?: { date: string; time: string; defaultZone: string };
}

export interface SendServiceDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  dispatcher: Dispatcher;
  renderer: VariantRenderer;
  audit: EditorAudit;
}

export class SendService {
  constructor(private readonly d: SendServiceDeps) {}

  private async sendFor(issueId: number): Promise<SendRow> {
    const { rows } = await this.d.pool.query<SendRow>(this.d.queries.sql('send-by-issue'), [issueId]);
    if (!rows[0]) throw new NotFoundError(`Issue ${issueId} has no send.`);
    return rows[0];
  }

  /**
   * Starts the send of an issue, or returns the one already started. Two concurrent calls race on
   * the unique issue_id: one inserts, both read the same row. An Idempotency-Key belongs to one
   * issue; reusing it for another issue is a conflict.
   */
  async start(issueId: number, editor: Actor, opts: StartOptions = {}): Promise<{ progress: Progress; created: boolean }> {
    const { pool, queries } = this.d;
    if (opts.idempotencyKey !== undefined) {
      const reuse = await pool.query(queries.sql('send-idempotency-other-issue'), [opts.idempotencyKey, issueId]);
      if (reuse.rows[0]) throw new ConflictError('This Idempotency-Key was used for another issue.', 'idempotency_key_reused');
    }
    const existing = await pool.query<SendRow>(queries.sql('send-by-issue'), [issueId]);
    if (existing.rows[0]) {
      await this.attachKey(issueId, opts.idempotencyKey);
      return { progress: await this.progress(issueId), created: false };
    }

    const issue = await pool.query<{ id: number; status: string }>(queries.sql('send-issue-for-start'), [issueId]);
    if (!issue.rows[0]) throw new NotFoundError(`Issue ${issueId} does not exist.`);
    const startable = opts.scheduled ? ['scheduled'] : ['draft', 'scheduled'];
    if (!startable.includes(issue.rows[0].status)) throw new ConflictError(`Issue ${issueId} is ${issue.rows[0].status}; only a draft can be sent.`, 'not_draft');

    // Render every topic set once, here, so that worker processes never load MJML. A scheduled
    // issue was rendered when it was scheduled and is frozen since, so the worker's scheduler
    // starting it renders nothing.
    if (!opts.scheduled) await this.d.renderer.ensureVariants(issueId);
    const variants = await pool.query(queries.sql('send-issue-has-variants'), [issueId]);
    if (!variants.rowCount) throw new ConflictError(`Issue ${issueId} has no rendered variants.`, 'not_rendered');

    // The send, its issue's new status and the send.started webhook event commit together.
    const sendId = await withTransaction(pool, async (client) => {
      const inserted = await client
        .query<{ id: number }>(queries.sql('send-insert'), [
          issueId, opts.idempotencyKey ?? null, editor.id, opts.local?.date ?? null, opts.local?.time ?? null, opts.local?.defaultZone ?? null,
        ])
        .catch(rethrowKeyReuse);
      const id = inserted.rows[0]?.id;
      if (id === undefined) return undefined;
      await client.query(queries.sql('send-issue-mark-sending'), [issueId]);
      await emit({ client, queries }, 'send.started', { send_id: id, issue_id: issueId });
      return id;
    });
    // Lost the race to another call for this issue: that call's send stands, with our key on it.
    if (sendId === undefined) await this.attachKey(issueId, opts.idempotencyKey);
    if (sendId !== undefined) {
      try {
        await this.d.dispatcher.prepare(sendId, 0);
      } catch (err) {
        // The send exists; the reconciler dispatches a prepare whose heartbeat is stale.
        this.d.log.warn({ sendId, err: (err as Error).message }, 'prepare dispatch failed; the reconciler will retry');
      }
      this.d.log.info({ sendId, issueId }, 'send started');
      // Only the call that created the send records it: a repeat or a concurrent click is no action.
      await this.d.audit.record(editor, 'send.start', { issueId });
    }
    return { progress: await this.progress(issueId), created: sendId !== undefined };
  }

  private async attachKey(issueId: number, key: string | undefined): Promise<void> {
    if (key === undefined) return;
    await this.d.pool.query(this.d.queries.sql('send-attach-idempotency-key'), [issueId, key]).catch(rethrowKeyReuse);
  }

  async progress(issueId: number): Promise<Progress> {
    const send = await this.sendFor(issueId);
    return this.progressOf(send);
  }

  async progressOf(send: SendRow): Promise<Progress> {
    const { pool, queries } = this.d;
    const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, sent: 0, skipped: 0, failed: 0, uncertain: 0, cancelled: 0, bounced: 0 };
    const [c, rate] = await Promise.all([
      pool.query<{ status: DeliveryStatus; n: number }>(queries.sql('send-counts'), [send.id]),
      pool.query<{ n: number }>(queries.sql('send-rate'), [send.id]),
    ]);
    for (const r of c.rows) counts[r.status] = r.n;
    const status = shownSendStatus(send);
    return {
      send_id: send.id,
      issue_id: send.issue_id,
      status,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      sent: counts.sent,
      failed: counts.failed,
      skipped: counts.skipped,
      uncertain: counts.uncertain,
      pending: counts.pending + counts.sending,
      cancelled: counts.cancelled,
      bounced: counts.bounced,
      complaint_warning: send.complaint_warning,
      in_flight: counts.sending,
      prepared: send.prepared,
      pause_reason: send.pause_reason,
      rate: Math.round(((rate.rows[0]?.n ?? 0) / 10) * 10) / 10,
      created_at: send.created_at.toISOString(),
      completed_at: send.completed_at ? send.completed_at.toISOString() : null,
    };
  }

  async pause(issueId: number, editor: Editor): Promise<Progress> {
    const send = await this.sendFor(issueId);
    const r = await pauseSend(this.d.pool, this.d.queries, send.id, `paused by ${editor.name}`);
    if (!r.rowCount && !send.paused) throw new ConflictError(`The send is ${send.status}; it cannot be paused.`, 'not_running');
    if (r.rowCount) await this.d.audit.record(editor, 'send.pause', { issueId });
    return this.progress(issueId);
  }

  async resume(issueId: number, editor: Editor): Promise<Progress> {
    const send = await this.sendFor(issueId);
    const r = await this.d.pool.query(this.d.queries.sql('send-resume'), [send.id]);
    if (!r.rowCount) {
      if (send.status === 'completed' || send.status === 'cancelled') {
        throw new ConflictError(`The send is ${send.status}; it cannot be resumed.`, 'not_running');
      }
      return this.progress(issueId);
    }
    await this.dispatchPending(send.id);
    await this.d.audit.record(editor, 'send.resume', { issueId });
    return this.progress(issueId);
  }

  async cancel(issueId: number, editor: Editor): Promise<Progress> {
    const { pool, queries } = this.d;
    const send = await this.sendFor(issueId);
    if (send.status === 'completed') throw new ConflictError('The send is already completed.', 'not_running');
    if (send.status !== 'cancelled') {
      const r = await pool.query<{ id: number; issue_id: number }>(queries.sql('send-cancel'), [send.id]);
      if (r.rowCount) {
        // Order matters: the send is cancelled first, so no chunk is claimed after this point.
        await cancelPendingDeliveries(pool, queries, send.id);
        await pool.query(queries.sql('batches-close-for-send'), [send.id]);
        await pool.query(queries.sql('send-issue-mark-cancelled'), [issueId]);
        await this.d.audit.record(editor, 'send.cancel', { issueId });
      }
    }
    return this.progress(issueId);
  }

  /**
   * Live progress: yields the progress now, then again whenever the ledger's numbers change
   * (checked every `intervalMs`), and returns after yielding a final state (completed, cancelled)
   * or when `signal` aborts. The first read throws NotFoundError before anything is yielded, so an
   * entry point can still answer 404.
   */
  async *watchProgress(issueId: number, signal: AbortSignal, intervalMs = 1000): AsyncGenerator<Progress, void, undefined> {
    let last = '';
    while (!signal.aborted) {
      const p = await this.progress(issueId);
      const json = JSON.stringify(p);
      if (json !== last) {
        last = json;
        yield p;
      }
      if (isFinal(p.status)) return;
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  private async dispatchPending(sendId: number): Promise<void> {
    await dispatchPendingBatches(this.d.pool, this.d.queries, this.d.dispatcher, sendId);
  }

  async listDeliveries(issueId: number, status: string, after = 0, limit = 100) {
    if (!(DELIVERY_STATUSES as readonly string[]).includes(status)) {
      throw new ValidationError(`status must be one of ${DELIVERY_STATUSES.join(', ')}.`, 'status');
    }
    const send = await this.sendFor(issueId);
    const { rows } = await this.d.pool.query(this.d.queries.sql('deliveries-list'), [send.id, status, after, limit]);
    return rows;
  }

  /** Resolves uncertain deliveries: the editor checked the relay logs (mark-sent) or accepts a possible duplicate (resend). */
  async resolveUncertain(issueId: number, editor: Editor, action: 'mark-sent' | 'resend', ids: number[] | 'all'): Promise<{ resolved: number; progress: Progress }> {
    const { pool, queries } = this.d;
    const send = await this.sendFor(issueId);
    const all = ids === 'all';
    const list = all ? [] : ids;
    let resolved: number;
    if (action === 'mark-sent') {
      resolved = await markUncertainSent(pool, queries, send.id, all, list);
    } else {
      if (send.status === 'cancelled') throw new ConflictError('The send was cancelled; nothing is re-sent.', 'not_running');
      resolved = await resendUncertain(pool, queries, send.id, all, list);
      if (resolved > 0) {
        await pool.query(queries.sql('send-reopen'), [send.id]);
        await this.dispatchPending(send.id);
      }
    }
    if (resolved > 0) await this.d.audit.record(editor, 'send.resolve', { issueId, detail: `${action}: ${resolved} deliveries` });
    return { resolved, progress: await this.progress(issueId) };
  }
}

/** The unique idempotency_key refuses a key already naming another issue's send. */
function rethrowKeyReuse(err: unknown): never {
  if ((err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'sends_idempotency_key_key') {
    throw new ConflictError('This Idempotency-Key was used for another issue.', 'idempotency_key_reused');
  }
  throw err;
}
