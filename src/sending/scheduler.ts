/**
 * The scheduler: a timer in every worker process (like the reconciler, never a BullMQ repeatable
 * job, which a FLUSHALL would erase) that reads the calendar from Postgres and the injectable
 * clock. Each pass:
 *   1. marks schedules due longer ago than SCHEDULE_GRACE_MINUTES `missed` (nothing ran at the
 *      time; the editor decides);
 *   2. claims due schedules with a conditional UPDATE (SKIP LOCKED) and starts their sends, so two
 *      processes never start one twice; a claimer that died is replaced after two minutes, and the
 *      send's own uniqueness per issue keeps that a single send;
 *   3. releases the zones of local-time sends whose hour has come (zones.ts).
 */
import type { Clock } from '../clock';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Actor } from '../editors/audit';
import type { Logger } from '../logger';
import type { SendService } from './service';
import type { ZoneRelease } from './zones';
import { PeriodicPass } from '../periodic';

export interface SchedulerDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  clock: Clock;
  sends: SendService;
  zones: ZoneRelease;
  graceMinutes: number;
  /** SCHEDULE_POLL_MS. */
  pollMs: number;
}

interface Claimed {
  id: number;
  issue_id: number;
  local_date: string | null;
  local_time: string | null;
  default_zone: string | null;
  idempotency_key: string | null;
  created_by: number | null;
}

export interface SchedulerReport {
  missed: number;
  started: number;
  failed: number;
  zonesReleased: number;
}

export class Scheduler {
  private pass: PeriodicPass | undefined;

  constructor(private readonly d: SchedulerDeps) {}

  async runOnce(): Promise<SchedulerReport> {
    const { pool, queries, clock, log } = this.d;
    const report: SchedulerReport = { missed: 0, started: 0, failed: 0, zonesReleased: 0 };
    const missed = await pool.query<{ issue_id: number }>(queries.sql('schedule-mark-missed'), [clock.now(), this.d.graceMinutes]);
    report.missed = missed.rowCount ?? 0;
    for (const m of missed.rows) log.warn({ issueId: m.issue_id }, 'scheduled send missed: due beyond the grace period while nothing ran');

    const claimed = await pool.query<Claimed>(queries.sql('schedule-claim-due'), [clock.now()]);
    for (const s of claimed.rows) {
      try {
        const editor = await this.editorOf(s.created_by);
        const local = s.local_date && s.local_time && s.default_zone ? { date: s.local_date, time: s.local_time, defaultZone: s.default_zone } : undefined;
        await this.d.sends.start(s.issue_id, editor, { scheduled: true, idempotencyKey: s.idempotency_key ?? undefined, local });
        await pool.query(queries.sql('schedule-finish'), [s.id, 'started', null]);
        report.started++;
        log.info({ issueId: s.issue_id }, 'scheduled send started');
      } catch (err) {
        // The send cannot start (the issue was deleted, or changed state under us): the editor sees why.
        await pool.query(queries.sql('schedule-finish'), [s.id, 'missed', (err as Error).message.slice(0, 500)]);
        report.failed++;
        log.warn({ issueId: s.issue_id, err: (err as Error).message }, 'scheduled send could not start');
      }
    }
    report.zonesReleased = await this.d.zones.releaseDue();
    return report;
  }

  private async editorOf(id: number | null): Promise<Actor> {
    const { rows } = id === null ? { rows: [] } : await this.d.pool.query<{ id: number; name: string }>(this.d.queries.sql('schedule-editor'), [id]);
    // A deleted editor's schedule still runs; the audit log then names the scheduler.
    return rows[0] ?? { id: null, name: 'scheduler' };
  }

  start(): void {
    this.pass ??= new PeriodicPass(() => this.runOnce(), this.d.pollMs, (err) => this.d.log.warn({ err: err.message }, 'scheduler pass failed'));
    this.pass.start();
  }

  async stop(): Promise<void> {
    await this.pass?.stop();
  }
}
