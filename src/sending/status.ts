/**
 * The delivery vocabulary, declared once: what a send row stores, what an editor is shown, and the
 * states of a ledger row. A new status word (e.g. `scheduled`) is added here, in the migration's
 * CHECK constraint, and in the code that moves a send into it; the API, console and report read
 * these lists.
 */

/** sends.status as stored (migration 004). Pausing is a flag beside it, not a state. */
export const SEND_STATES = ['preparing', 'sending', 'completed', 'cancelled'] as const;
export type SendState = (typeof SEND_STATES)[number];

/** What the API and console show: the stored state, or `paused` while a running send is held. */
export const SEND_STATUSES = ['preparing', 'sending', 'paused', 'completed', 'cancelled'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];

/** deliveries.status: one row per (send, reader) in the ledger (docs/delivery.md). */
// bounced: handed over, then reported back as a hard bounce (docs/deliverability.md).
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'skipped', 'failed', 'uncertain', 'cancelled', 'bounced'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The one "paused" rule: a paused flag counts only while the send is still running. */
export function shownSendStatus(send: { status: SendState; paused: boolean }): SendStatus {
  return send.paused && (send.status === 'preparing' || send.status === 'sending') ? 'paused' : send.status;
}

const FINAL: ReadonlySet<SendStatus> = new Set(['completed', 'cancelled']);

/** Nothing more will happen to this send on its own. */
export function isFinal(status: SendStatus): boolean {
  return FINAL.has(status);
}
