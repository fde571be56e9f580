/**
 * Local-time delivery: a send whose ledger rows carry each reader's zone and wait
 * (not_before = 'infinity') until that zone's wall clock shows the send's time on its date. The
 * scheduler calls releaseDue() each pass; the zones come from the ledger itself, so a zone that
 * appeared after the schedule was made is released like the others. Cancelling the send cancels
 * every row still waiting, so the remaining zones never go out.
 */
import type { Clock } from '../clock';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import { canonicalZone, zonedInstant } from '../timezones';
import { dispatchPendingBatches, type Dispatcher } from './dispatcher';
import { byCodeUnit } from '../compare';

export const ZONE_STATES = ['waiting', 'sending', 'done'] as const;

export interface ZoneProgress {
  zone: string;
  /** When the zone's readers are due. */
  due_at: string;
  state: (typeof ZONE_STATES)[number];
  total: number;
  sent: number;
  waiting: number;
}

export interface ZoneDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  clock: Clock;
  dispatcher: Dispatcher;
}

/** The instant a zone is due; a zone the runtime no longer knows is due with the default zone. */
function dueAt(date: string, time: string, zone: string, fallback: string): Date {
  return zonedInstant(date, time, canonicalZone(zone) ?? fallback);
}

export class ZoneRelease {
  constructor(private readonly d: ZoneDeps) {}

  /** Releases every due zone of every open local-time send; returns how many zones it released. */
  async releaseDue(): Promise<number> {
    const { pool, queries } = this.d;
    const sends = await pool.query<{ id: number; local_date: string; local_time: string }>(queries.sql('local-sends-open'));
    let released = 0;
    for (const s of sends.rows) {
      const held = await pool.query<{ zone: string }>(queries.sql('send-held-zones'), [s.id]);
      const now = this.d.clock.now().getTime();
      const due = held.rows.filter((z) => dueAt(s.local_date, s.local_time, z.zone, 'UTC').getTime() <= now);
      for (const z of due) await pool.query(queries.sql('send-release-zone'), [s.id, z.zone]);
      if (due.length) {
        await pool.query(queries.sql('send-unhold-batches'), [s.id]);
        await dispatchPendingBatches(pool, queries, this.d.dispatcher, s.id);
        this.d.log.info({ sendId: s.id, zones: due.map((z) => z.zone) }, 'local-time zones released');
        released += due.length;
      }
    }
    return released;
  }

  /** Per zone: when it is due, whether it waits, is being sent or is done, and its counts. */
  async progress(sendId: number): Promise<ZoneProgress[] | undefined> {
    const { pool, queries } = this.d;
    const local = await pool.query<{ local_date: string | null; local_time: string | null; default_zone: string | null }>(queries.sql('send-local-of'), [sendId]);
    const l = local.rows[0];
    if (!l?.local_date || !l.local_time || !l.default_zone) return undefined;
    const counts = await pool.query<{ zone: string; total: number; waiting: number; open: number; sent: number }>(queries.sql('send-zone-counts'), [sendId]);
    return counts.rows
      .map((c) => ({
        zone: c.zone,
        due_at: dueAt(l.local_date!, l.local_time!, c.zone, l.default_zone!).toISOString(),
        state: c.waiting > 0 ? ('waiting' as const) : c.open > 0 ? ('sending' as const) : ('done' as const),
        total: c.total,
        sent: c.sent,
        waiting: c.waiting,
      }))
      .sort((a, b) => byCodeUnit(a.due_at, b.due_at) || byCodeUnit(a.zone, b.zone));
  }
}
