/**
 * The one place deliverability puts an address on the suppression list. Issue 21 gives
 * suppressions a source, an id and the reason `soft_bounce_limit`, with its own service; when that
 * lands, this function is the only thing to point at it.
 *
 * Until then the table's CHECK knows only hard_bounce / complaint / erased / manual, so a reader
 * suppressed for reaching SOFT_BOUNCE_LIMIT is stored as `hard_bounce` with a detail that says
 * why ("soft bounce limit: …"); the event itself stays a soft bounce in bounce_events.
 */
import type { PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';

export type SuppressReason = 'hard_bounce' | 'complaint' | 'soft_bounce_limit';

export interface Suppression {
  emailHash: Buffer;
  reason: SuppressReason;
  /** Where it came from (dsn, arf, ses, smtp, …) and what the report said; shown to editors. */
  detail: string;
}

export async function suppress(client: PoolClient, queries: Queries, s: Suppression): Promise<void> {
  const stored = s.reason === 'soft_bounce_limit' ? 'hard_bounce' : s.reason;
  const detail = (s.reason === 'soft_bounce_limit' ? `soft bounce limit: ${s.detail}` : s.detail).slice(0, 300);
  // An existing suppression is kept as it is (ON CONFLICT DO NOTHING): the first reason stands.
  await client.query(queries.sql('send-suppress-hashes'), [[s.emailHash], stored, detail || null]);
}
