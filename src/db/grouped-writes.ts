/**
 * Group commit: the writes that concurrent callers ask for in the same turn of the event loop go
 * out as one call, so a burst of N costs one round trip instead of N. Used for the public write
 * paths (subscribe, one-click unsubscribe: `groupedStatement`, one statement and one commit per
 * group) and for the transactional queue's job adds (src/queue/bulk-add.ts, one `addBulk`).
 *
 * Measured in the bench's API phase (docs/performance.md, "The API's writes, grouped"): on this
 * machine a round trip costs the API ≈ 0.1 ms of CPU in `writev` alone, and each commit costs
 * Postgres a WAL flush; both were most of what a subscribe or a one-click cost beyond hello-world.
 *
 * Every caller still learns its own outcome: its promise settles when the call carrying its item
 * has finished. When `retryAlone` says a group's failure may be one item's doing, each item is
 * tried again alone, so one bad item fails only its own caller. At most `maxInFlight` calls run at
 * once (for a statement, each holds a pool connection); items arriving meanwhile wait for the next
 * one, which is how groups grow under load. When idle, an item waits only for the end of the
 * current event-loop turn.
 */
import { isDataError, type Pool } from './pool';
import type { Statement } from './queries';

export interface GroupedWritesOptions {
  /** Items per call. */
  maxItems?: number;
  /** Calls running at once. */
  maxInFlight?: number;
  /** Whether a failed group's error may come from one of its items (default: never). */
  retryAlone?: (err: unknown) => boolean;
}

interface Waiting<I> {
  item: I;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupedWrites<I> {
  private waiting: Waiting<I>[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxItems: number;
  private readonly maxInFlight: number;
  private readonly retryAlone: (err: unknown) => boolean;

  constructor(
    /** Writes every item in one call (for a statement, one transaction); rejects if any item fails. */
    private readonly write: (items: I[]) => Promise<void>,
    opts: GroupedWritesOptions = {},
  ) {
    this.maxItems = opts.maxItems ?? 100;
    this.maxInFlight = opts.maxInFlight ?? 2;
    this.retryAlone = opts.retryAlone ?? (() => false);
  }

  /** Resolves once the item is written; rejects with the error of its own call. */
  add(item: I): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || !this.waiting.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length) {
      const group = this.waiting.splice(0, this.maxItems);
      this.inFlight += 1;
      void this.run(group).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  private async run(group: Waiting<I>[]): Promise<void> {
    try {
      await this.write(group.map((w) => w.item));
      for (const w of group) w.resolve();
    } catch (err) {
      // Anything else (connection lost, timeout, a database shutting down) fails the group at
      // once: retrying every item alone would only multiply the load on a database in trouble.
      if (group.length === 1 || !this.retryAlone(err)) return group.forEach((w) => w.reject(err));
      // One statement, one transaction: nothing of the group was written. Alone, each item
      // succeeds or fails on its own.
      await Promise.all(group.map((w) => this.write([w.item]).then(w.resolve, w.reject)));
    }
  }
}

/**
 * Grouped writes through one statement that takes the group's items as a JSON array in $1 (read
 * with `jsonb_to_recordset`); a group Postgres refuses for its data (isDataError) is retried item
 * by item.
 */
export function groupedStatement<I>(pool: Pool, statement: Statement): GroupedWrites<I> {
  return new GroupedWrites<I>(
    async (items) => {
      await pool.query(statement, [JSON.stringify(items)]);
    },
    { retryAlone: isDataError },
  );
}
