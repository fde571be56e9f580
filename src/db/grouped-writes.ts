/**
 * Group commit for the public write paths (subscribe, one-click unsubscribe): the writes that
 * concurrent requests ask for in the same turn of the event loop go to Postgres as one statement
 * over arrays, so a burst of N requests costs one round trip and one commit instead of N.
 *
 * Measured in the bench's API phase (docs/performance.md, "The API's writes, grouped"): on this
 * machine a round trip costs the API ≈ 0.1 ms of CPU in `writev` alone, and each commit costs
 * Postgres a WAL flush; both were most of what a subscribe or a one-click cost beyond hello-world.
 *
 * Every caller still learns its own outcome: its promise settles when the statement carrying its
 * item has committed. When Postgres refuses a group's statement over its data, each item is tried
 * again alone, so one bad item fails only its own request. At most `maxInFlight` statements run at once (each holds
 * a pool connection); items arriving meanwhile wait for the next one, which is how groups grow
 * under load. When idle, an item waits only for the end of the current event-loop turn.
 */
export interface GroupedWritesOptions {
  /** Items per statement (bounded by what one statement's arrays should carry). */
  maxItems?: number;
  /** Statements running at once. */
  maxInFlight?: number;
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

  constructor(
    /** Writes every item in one statement (one transaction); rejects if any item fails. */
    private readonly write: (items: I[]) => Promise<void>,
    opts: GroupedWritesOptions = {},
  ) {
    this.maxItems = opts.maxItems ?? 100;
    this.maxInFlight = opts.maxInFlight ?? 2;
  }

  /** Resolves once the item is committed; rejects with the error of its own statement. */
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
      if (group.length === 1 || !itemError(err)) return group.forEach((w) => w.reject(err));
      // One statement, one transaction: nothing of the group was written. Alone, each item
      // succeeds or fails on its own.
      await Promise.all(group.map((w) => this.write([w.item]).then(w.resolve, w.reject)));
    }
  }
}

/**
 * Whether Postgres refused the statement for something in its data (SQLSTATE class 22, data
 * exception, or 23, integrity constraint violation), which one item may have caused. Anything else
 * (connection lost, timeout, database shutting down) fails the whole group at once: retrying every
 * item alone would only multiply the load on a database in trouble.
 */
function itemError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
