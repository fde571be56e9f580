/**
 * Editors' webhook endpoints: register (the secret is answered once and stored sealed), list with
 * each endpoint's delivery figures and disabled state, the recent failures of one, delete, enable
 * again after it was disabled. Every change is in the audit log.
 */
import { withTransaction, type Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { WEBHOOK_EVENTS, type WebhookEvent } from './emit';
import { newWebhookSecret, type SecretBox } from './secret-box';
import { checkTarget } from './target';

/** Endpoints are few (a CMS, a CRM): a long list is a mistake or an abuse. */
export const MAX_ENDPOINTS = 20;

export interface WebhookEndpoint {
  id: number;
  url: string;
  events: WebhookEvent[];
  created_at: Date;
  failing_since: Date | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
  pending: number;
  delivered: number;
}

export interface WebhookFailure {
  id: number;
  event_id: number;
  type: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
}

export class WebhookEndpoints {
  constructor(
    private readonly d: { pool: Pool; queries: Queries; audit: EditorAudit; box: SecretBox; allowPrivate: boolean },
  ) {}

  async create(input: { url: string; events: readonly string[] }, by: Actor): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const events = [...new Set(input.events)];
    const unknown = events.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (unknown !== undefined) throw new ValidationError(`Unknown event ${JSON.stringify(unknown.slice(0, 40))}: one of ${WEBHOOK_EVENTS.join(', ')}.`, 'events');
    if (!events.length) throw new ValidationError('List at least one event.', 'events');
    if (input.url.length > 2000) throw new ValidationError('The webhook URL is too long.', 'url', 'invalid_url');
    const { url } = await checkTarget(input.url, this.d.allowPrivate);
    const { rows: [count] } = await this.d.pool.query<{ n: number }>(this.d.queries.sql('webhook-endpoint-count'));
    if (count!.n >= MAX_ENDPOINTS) throw new ConflictError(`At most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`, 'too_many_endpoints');
    const secret = newWebhookSecret();
    const { rows } = await this.d.pool.query<WebhookEndpoint>(this.d.queries.sql('webhook-endpoint-insert'), [url.href, events, this.d.box.seal(secret), by.name]);
    const endpoint = { ...rows[0]!, pending: 0, delivered: 0 };
    await this.d.audit.record(by, 'webhook.create', { detail: `#${endpoint.id} ${url.origin} ${events.join(',')}` });
    return { endpoint, secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await this.d.pool.query<WebhookEndpoint>(this.d.queries.sql('webhook-endpoint-list'))).rows;
  }

  async get(id: number): Promise<WebhookEndpoint> {
    const row = (await this.d.pool.query<WebhookEndpoint>(this.d.queries.sql('webhook-endpoint-get'), [id])).rows[0];
    if (!row) throw new NotFoundError('No such webhook endpoint.', 'id');
    return row;
  }

  /** The endpoint's pending deliveries that have failed at least once, newest first. */
  async failures(id: number, limit = 50): Promise<WebhookFailure[]> {
    await this.get(id);
    return (await this.d.pool.query<WebhookFailure>(this.d.queries.sql('webhook-endpoint-failures'), [id, limit])).rows;
  }

  async delete(id: number, by: Actor): Promise<void> {
    // Deliveries first, then the endpoint: the deliverer's outcome statements lock a delivery and
    // then its endpoint, so the cascade alone (endpoint, then deliveries) could deadlock with one
    // (seen once as a 500 under a loaded test run).
    const rowCount = await withTransaction(this.d.pool, async (client) => {
      await client.query(this.d.queries.sql('webhook-endpoint-delete-deliveries'), [id]);
      return (await client.query(this.d.queries.sql('webhook-endpoint-delete'), [id])).rowCount;
    });
    if (!rowCount) throw new NotFoundError('No such webhook endpoint.', 'id');
    await this.d.audit.record(by, 'webhook.delete', { detail: `#${id}` });
  }

  /** A disabled endpoint is delivered to again, its pending deliveries first (none were dropped). */
  async enable(id: number, by: Actor): Promise<WebhookEndpoint> {
    const { rowCount } = await this.d.pool.query(this.d.queries.sql('webhook-endpoint-enable'), [id]);
    if (!rowCount) throw new NotFoundError('No such webhook endpoint.', 'id');
    await this.d.audit.record(by, 'webhook.enable', { detail: `#${id}` });
    return this.get(id);
  }
}
