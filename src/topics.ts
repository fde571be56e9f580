/** Topics are rows (slug, name, description), so a new one needs no code change. */
import type { Pool } from './db/pool';
import type { Queries } from './db/queries';

export interface Topic {
  slug: string;
  name: string;
  description: string;
}

export class Topics {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  async list(): Promise<Topic[]> {
    const { rows } = await this.pool.query<Topic>(this.queries.sql('topics-list'));
    return rows;
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
  return sets.sort((a, b) => a.length - b.length || a.join(',').localeCompare(b.join(',')));
}
