/** Topics are rows (slug, name, description), so a new one needs no code change. */
import type { Pool } from './db/pool';
import type { Queries } from './db/queries';
import { byCodeUnit } from './compare';

export interface Topic {
  slug: string;
  name: string;
  description: string;
}

export class Topics {
  private cached: { at: number; rows: Promise<Topic[]> } | undefined;

  /**
   * @param ttlMs how long a read of the topics table is reused. Every subscribe request validates
   *   its topics against the table; a few seconds of reuse saves a query per request, and a topic
   *   added with SQL appears within that time.
   */
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<Topic[]> {
    const t = this.now();
    if (!this.cached || t - this.cached.at >= this.ttlMs) {
      const rows = this.pool.query<Topic>(this.queries.sql('topics-list')).then((r) => r.rows);
      this.cached = { at: t, rows };
      // A failed read is not kept: the next call asks the database again.
      rows.catch(() => {
        if (this.cached?.rows === rows) this.cached = undefined;
      });
    }
    // A copy: callers may sort or filter without touching the shared read.
    return [...(await this.cached.rows)];
  }

  async slugs(): Promise<string[]> {
    return (await this.list()).map((t) => t.slug);
  }
}

/** Canonical key of a topic set: sorted, de-duplicated, comma-joined ("ai,nev"). */
export function topicSetKey(topics: readonly string[]): string {
  return [...new Set(topics)].sort().join(',');
}

/** Every non-empty subset of `slugs` (2^n − 1 topic sets), each sorted; smallest sets first. */
export function allTopicSets(slugs: readonly string[]): string[][] {
  const sorted = [...new Set(slugs)].sort();
  const sets: string[][] = [];
  for (let mask = 1; mask < 1 << sorted.length; mask++) sets.push(sorted.filter((_, i) => mask & (1 << i)));
  return sets.sort((a, b) => a.length - b.length || byCodeUnit(a.join(','), b.join(',')));
}
