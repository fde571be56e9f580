/**
 * The one way a service announces an event to outgoing webhooks: `emit(tx, type, payload)` inside
 * the transaction that makes the change. The event row and a delivery row per subscribed endpoint
 * commit or roll back with the change itself (a transactional outbox), so an event is never lost
 * (the worker may die at any point after the commit: the rows are still there) and never sent for
 * a change that did not happen.
 */
import type { PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';

export const WEBHOOK_EVENTS = [
  'subscriber.confirmed',
  'subscriber.updated',
  'subscriber.unsubscribed',
  'subscriber.erased',
  'send.started',
  'send.completed',
  'send.paused',
  'bounce.recorded',
  'complaint.recorded',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A transaction: the client it runs on and the named queries. */
export interface Tx {
  readonly client: PoolClient;
  readonly queries: Queries;
}

/**
 * Payloads carry ids and what changed, never an address of an erased reader. Events about one
 * reader (subscriber_id) or one send (send_id) reach each endpoint in the order they were emitted.
 */
export type WebhookPayload = { subscriber_id?: number | null; send_id?: number | null } & Record<string, unknown>;

export async function emit(tx: Tx, type: WebhookEvent, payload: WebhookPayload): Promise<void> {
  const orderKey = payload.subscriber_id ? `subscriber:${payload.subscriber_id}` : payload.send_id ? `send:${payload.send_id}` : 'other';
  await tx.client.query(tx.queries.sql('webhook-event-emit'), [type, JSON.stringify(payload), orderKey]);
}
