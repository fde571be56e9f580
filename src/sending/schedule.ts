/**
 * Scheduled sends, the editor's side: schedule (or reschedule) an issue's send at an instant or at a
 * wall-clock time in each reader's zone, show it, cancel it, or send now instead. The schedule is a
 * row in send_schedules (migration 023); the worker's Scheduler (scheduler.ts) starts it when due.
 * The issue's variants are rendered here, in the API process, and the issue is frozen (`scheduled`)
 * until the send starts or the schedule is cancelled, so the worker that starts it renders nothing.
 */
import type { Clock } from '../clock';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { EditorAudit } from '../editors/audit';
import type { Editor } from '../editors/keys';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { canonicalZone, zonedInstant } from '../timezones';
import type { SendService, StartOptions, VariantRenderer } from './service';

export type ScheduleRequest = { at: Date } | { localTime: string; date: string };

export const SCHEDULE_STATES = ['scheduled', 'starting', 'started', 'cancelled', 'missed'] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

export interface ScheduleRow {
  id: number;
  issue_id: number;
  status: ScheduleState;
  run_at: Date;
  local_date: string | null;
  local_time: string | null;
  default_zone: string | null;
  idempotency_key: string | null;
  error: string | null;
}

/** What the API and console show of a schedule. */
export interface ScheduleView {
  issue_id: number;
  status: ScheduleState;
  /** When the send starts (local-time delivery: when the earliest zone is due). */
  scheduled_at: string;
  local_time: string | null;
  date: string | null;
  default_zone: string | null;
  error: string | null;
}

export interface ScheduleDeps {
  pool: Pool;
  queries: Queries;
  clock: Clock;
  audit: EditorAudit;
  renderer: VariantRenderer;
  sends: SendService;
  defaultZone: string;
}

const YEAR_MS = 366 * 24 * 3600 * 1000;

export function scheduleView(r: ScheduleRow): ScheduleView {
  return {
    issue_id: r.issue_id,
    status: r.status,
    scheduled_at: r.run_at.toISOString(),
    local_time: r.local_time,
    date: r.local_date,
    default_zone: r.default_zone,
    error: r.error,
  };
}

export class ScheduleService {
  constructor(private readonly d: ScheduleDeps) {}

  async get(issueId: number): Promise<ScheduleRow | undefined> {
    const { rows } = await this.d.pool.query<ScheduleRow>(this.d.queries.sql('schedule-by-issue'), [issueId]);
    return rows[0];
  }

  /** When a request would run: its instant, or the earliest of today's audience zones. */
  async runAt(req: ScheduleRequest): Promise<{ runAt: Date; local?: StartOptions['local'] }> {
    if ('at' in req) return { runAt: req.at };
    const { rows } = await this.d.pool.query<{ zone: string }>(this.d.queries.sql('schedule-audience-zones'), [this.d.defaultZone]);
    const zones = new Set([this.d.defaultZone, ...rows.map((r) => r.zone)]);
    const instants = [...zones].map((z) => zonedInstant(req.date, req.localTime, canonicalZone(z) ?? this.d.defaultZone).getTime());
    return { runAt: new Date(Math.min(...instants)), local: { date: req.date, time: req.localTime, defaultZone: this.d.defaultZone } };
  }

  /**
   * Schedules the issue's send, or moves the schedule that waits (also a missed or cancelled one).
   * With an Idempotency-Key already on this issue's schedule, the call changes nothing.
   */
  async schedule(issueId: number, editor: Editor, req: ScheduleRequest, opts: { idempotencyKey?: string } = {}): Promise<ScheduleView> {
    const { pool, queries } = this.d;
    const key = opts.idempotencyKey;
    if (key !== undefined) {
      const other = await pool.query(queries.sql('schedule-key-other-issue'), [key, issueId]);
      if (other.rows[0]) throw new ConflictError('This Idempotency-Key was used for another issue.', 'idempotency_key_reused');
      const same = await this.get(issueId);
      if (same && same.idempotency_key === key) return scheduleView(same);
    }
    const { runAt, local } = await this.runAt(req);
    const field = 'at' in req ? 'at' : 'local_time';
    const now = this.d.clock.now().getTime();
    if (runAt.getTime() <= now) throw new ValidationError(`${field} must be in the future.`, field);
    if (runAt.getTime() > now + YEAR_MS) throw new ValidationError(`${field} must be at most a year ahead.`, field);

    const issue = await pool.query<{ status: string }>(queries.sql('send-issue-for-start'), [issueId]);
    if (!issue.rows[0]) throw new NotFoundError(`Issue ${issueId} does not exist.`);
    if (!['draft', 'scheduled'].includes(issue.rows[0].status)) {
      throw new ConflictError(`Issue ${issueId} is ${issue.rows[0].status}; only a draft can be scheduled.`, 'not_draft');
    }
    await this.d.renderer.ensureVariants(issueId);
    const up = await pool.query(queries.sql('schedule-upsert'), [
      issueId, runAt, local?.date ?? null, local?.time ?? null, local?.defaultZone ?? null, key ?? null, editor.id,
    ]);
    if (!up.rowCount) throw new ConflictError(`The send of issue ${issueId} has already started.`, 'already_started');
    const frozen = await pool.query(queries.sql('schedule-issue-freeze'), [issueId]);
    if (!frozen.rowCount) {
      // The issue left draft meanwhile (a send now): the schedule must not start a second time.
      await pool.query(queries.sql('schedule-cancel'), [issueId]);
      throw new ConflictError(`Issue ${issueId} is no longer a draft.`, 'not_draft');
    }
    const detail = local ? `${local.time} local on ${local.date} (first zone ${runAt.toISOString()})` : runAt.toISOString();
    await this.d.audit.record(editor, 'send.schedule', { issueId, detail });
    return scheduleView((await this.get(issueId))!);
  }

  /** Cancels a waiting (or missed) schedule: the issue is a draft again. Undefined: none waits. */
  async cancel(issueId: number, editor: Editor): Promise<ScheduleView | undefined> {
    const r = await this.d.pool.query(this.d.queries.sql('schedule-cancel'), [issueId]);
    if (!r.rowCount) return undefined;
    await this.d.pool.query(this.d.queries.sql('schedule-issue-thaw'), [issueId]);
    await this.d.audit.record(editor, 'send.unschedule', { issueId });
    return scheduleView((await this.get(issueId))!);
  }

  /** "Send now": a waiting schedule is used up first, so the scheduler cannot start it too. */
  async sendNow(issueId: number, editor: Editor, opts: { idempotencyKey?: string }) {
    await this.d.pool.query(this.d.queries.sql('schedule-take-over'), [issueId]);
    return this.d.sends.start(issueId, editor, opts);
  }

  async list(): Promise<(ScheduleView & { title: string })[]> {
    const { rows } = await this.d.pool.query<ScheduleRow & { title: string }>(this.d.queries.sql('schedules-list'));
    return rows.map((r) => ({ ...scheduleView(r), title: r.title }));
  }
}
