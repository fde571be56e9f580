/**
 * Click counts gathered in memory and written to Postgres in one statement every CLICK_FLUSH_MS
 * (the redirect never waits on a database write). A process that dies loses at most one interval
 * of counts; a failed write keeps them for the next one. Redis is not involved at all.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { ClickPart } from './tokens';

export interface CountKey {
  issueId: number;
  part: ClickPart;
  index: number;
  link: number;
  topics: string;
}

interface Pending extends CountKey {
  human: number;
  machine: number;
}

/** A bound on what waits in memory when Postgres is away (distinct links, not clicks). */
const MAX_PENDING = 100_000;

export class ClickCounter {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly log: Logger,
    private readonly flushMs: number,
  ) {}

  add(k: CountKey, machine: boolean): void {
    this.merge({ ...k, human: machine ? 0 : 1, machine: machine ? 1 : 0 });
    // Started on the first click: processes that never serve /l/ hold no timer.
    this.timer ??= setInterval(() => void this.flush(), this.flushMs).unref();
  }

  private merge(p: Pending): void {
    const key = `${p.issueId}|${p.part}|${p.index}|${p.link}|${p.topics}`;
    const row = this.pending.get(key);
    if (row) {
      row.human += p.human;
      row.machine += p.machine;
    } else if (this.pending.size < MAX_PENDING) {
      this.pending.set(key, { ...p });
    }
  }

  /** Writes what was gathered; concurrent calls share one write. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (!this.pending.size) return Promise.resolve();
    const rows = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.pool
      .query(this.queries.sql('click-counts-add'), [
        rows.map((r) => r.issueId), rows.map((r) => r.part), rows.map((r) => r.index), rows.map((r) => r.link),
        rows.map((r) => r.topics), rows.map((r) => r.human), rows.map((r) => r.machine),
      ])
      .then(
        () => undefined,
        (err: unknown) => {
          this.log.warn({ err, rows: rows.length }, 'click counts not written; kept for the next flush');
          for (const r of rows) this.merge(r);
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stops the timer and writes what is left (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
