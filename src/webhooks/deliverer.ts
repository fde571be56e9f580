/**
 * The worker's side of outgoing webhooks. Postgres holds every delivery (src/webhooks/emit.ts); this
 * loop claims what is due — only the oldest pending delivery of each (endpoint, reader or send)
 * chain, so events about one reader arrive in order — leases it, POSTs it and records the outcome.
 * At-least-once: a worker killed mid-request leaves a lease that expires, and the delivery is claimed
 * again (receivers de-duplicate by the event id). Requests run concurrently, each with a timeout, so
 * a slow endpoint holds only its own chains; a claim never waits for earlier requests.
 *
 * Failures back off exponentially (base × 2^(attempt−1), at most an hour between tries) for as long
 * as the endpoint keeps failing; an endpoint with no success for WEBHOOK_DISABLE_AFTER (a day) is
 * disabled, and keeps its pending deliveries for when an editor enables it again.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import { PeriodicPass } from '../periodic';
import type { SecretBox } from './secret-box';
import { signWebhook } from './secret-box';
import { postWebhook } from './target';

const MAX_BACKOFF_SECONDS = 3600;
const CLAIM_LIMIT = 50;

interface Claimed {
  id: number;
  attempts: number;
  endpoint_id: number;
  url: string;
  secret_box: string;
  event_id: number;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export interface WebhookDelivererOptions {
  pool: Pool;
  queries: Queries;
  log: Logger;
  box: SecretBox;
  allowPrivate: boolean;
  timeoutMs: number;
  retryBaseSeconds: number;
  disableAfterSeconds: number;
  pollMs: number;
  now?: () => number;
}

/** The delivered body: the event id (for de-duplication), its type, when it happened, its data. */
export function eventBody(row: Pick<Claimed, 'event_id' | 'type' | 'created_at' | 'payload'>): string {
  return JSON.stringify({ id: `evt_${row.event_id}`, type: row.type, created_at: new Date(row.created_at).toISOString(), data: row.payload });
}

export function backoffSeconds(attempt: number, base: number): number {
  return Math.min(base * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_SECONDS);
}

export class WebhookDeliverer {
  private pass: PeriodicPass | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: WebhookDelivererOptions) {}

  /** One claim: starts every due delivery's request and returns without waiting for them. */
  async tick(): Promise<number> {
    // Longer than any request can take (its timeout), so only a dead worker's lease runs out.
    const leaseSeconds = Math.ceil(this.o.timeoutMs / 1000) + 5;
    const { rows } = await this.o.pool.query<Claimed>(this.o.queries.sql('webhook-deliveries-claim'), [CLAIM_LIMIT, leaseSeconds]);
    for (const row of rows) {
      const p = this.deliver(row).catch((err: unknown) => this.o.log.warn({ err, deliveryId: row.id }, 'webhook delivery bookkeeping failed; the lease expires and it is retried'));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
    return rows.length;
  }

  private async deliver(row: Claimed): Promise<void> {
    const body = eventBody(row);
    const timestamp = Math.floor((this.o.now ?? Date.now)() / 1000);
    const headers = {
      'user-agent': 'Tidings-Webhooks/1',
      'x-tidings-event': row.type,
      'x-tidings-event-id': `evt_${row.event_id}`,
      'x-tidings-timestamp': String(timestamp),
      'x-tidings-signature': signWebhook(this.o.box.open(row.secret_box), timestamp, body),
    };
    const result = await postWebhook(row.url, body, headers, { allowPrivate: this.o.allowPrivate, timeoutMs: this.o.timeoutMs });
    if (!result.error) {
      await this.o.pool.query(this.o.queries.sql('webhook-delivery-succeeded'), [row.id, result.status]);
      return;
    }
    const { rows } = await this.o.pool.query<{ id: number; disabled_at: Date | null }>(this.o.queries.sql('webhook-delivery-failed'), [
      row.id, result.status || null, result.error, backoffSeconds(row.attempts, this.o.retryBaseSeconds), this.o.disableAfterSeconds,
    ]);
    if (rows[0]?.disabled_at) this.o.log.warn({ endpointId: row.endpoint_id }, 'webhook endpoint disabled after failing for too long');
  }

  start(): void {
    this.pass ??= new PeriodicPass(() => this.tick(), this.o.pollMs, (err) => this.o.log.warn({ err }, 'webhook claim failed'));
    this.pass.start();
  }

  /** Stops claiming and waits for the requests in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    await this.pass?.stop();
    await Promise.allSettled([...this.inFlight]);
  }
}
