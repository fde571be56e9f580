/** Pausing a send (an editor, or the circuit breaker) and its send.paused webhook event, in one transaction. */
import { withTransaction, type Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { emit } from '../webhooks/emit';

/** Returns the UPDATE's row count: 0 when the send was not running (nothing paused, no event). */
export async function pauseSend(pool: Pool, queries: Queries, sendId: number, reason: string): Promise<{ rowCount: number }> {
  return withTransaction(pool, async (client) => {
    const r = await client.query(queries.sql('send-pause'), [sendId, reason]);
    if (r.rowCount) await emit({ client, queries }, 'send.paused', { send_id: sendId, reason });
    return { rowCount: r.rowCount ?? 0 };
  });
}
