/**
 * The changes to a send's ledger made outside any claim: a cancel, and an editor's resolution of
 * uncertain deliveries. Each runs in one transaction with the recount of the batches whose rows it
 * changed, so the counts (tallies of unclaimed batches, migration 028; docs/delivery.md "Counts")
 * never miss a change, even if the process dies between the two statements.
 */
import { withTransaction, type Pool } from '../db/pool';
import type { Queries } from '../db/queries';

/** Every pending row of the send becomes cancelled; rows already `sending` finish normally. */
export function cancelPendingDeliveries(pool: Pool, queries: Queries, sendId: number): Promise<void> {
  return withTransaction(pool, async (client) => {
    await client.query(queries.sql('deliveries-cancel-pending'), [sendId]);
    await client.query(queries.sql('batches-recount-send'), [sendId]);
  });
}

/** Uncertain rows (all, or those listed) recorded as sent; returns how many. */
export function markUncertainSent(pool: Pool, queries: Queries, sendId: number, all: boolean, ids: number[]): Promise<number> {
  return withTransaction(pool, async (client) => {
    const r = await client.query<{ id: number; batch_id: number }>(queries.sql('uncertain-mark-sent'), [sendId, all, ids]);
    if (r.rowCount) await client.query(queries.sql('batch-recount'), [sendId, [...new Set(r.rows.map((x) => x.batch_id))]]);
    return r.rowCount ?? 0;
  });
}

/** Uncertain rows (all, or those listed) back to pending, their batches reopened; returns how many. */
export function resendUncertain(pool: Pool, queries: Queries, sendId: number, all: boolean, ids: number[]): Promise<number> {
  return withTransaction(pool, async (client) => {
    const r = await client.query<{ n: number; batches: number[] | null }>(queries.sql('uncertain-resend'), [sendId, all, ids]);
    const batches = r.rows[0]?.batches ?? [];
    if (batches.length) await client.query(queries.sql('batch-recount'), [sendId, batches]);
    return r.rows[0]?.n ?? 0;
  });
}
