/**
 * The bench's own database: created fresh, migrated with the app's migrations, loaded with N
 * confirmed subscribers by COPY (streamed, so 1,000,000 rows cost no memory here), dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate } from '../../src/db/migrate';
import { createPool, withClient } from '../../src/db/pool';
import { Queries } from '../../src/db/queries';
import { EditorAudit } from '../../src/editors/audit';
import { Importers } from '../../src/issues/importers';
import { IssuesService } from '../../src/issues/service';
import { loadSampleIssues } from '../../src/issues/sample';
import { Topics } from '../../src/topics';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TOPICS = ['ai', 'nev', 'telecom'] as const;

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(PG_ADMIN_URL, fn);

/**
 * Names the bench's database; `create()` creates and migrates it. The caller registers `drop()`
 * for clean-up before calling `create()`, so an interrupted creation leaves nothing behind.
 */
export function benchDatabase(): BenchDatabase & { create(): Promise<void> } {
  const name = `tidings_bench_${randomBytes(5).toString('hex')}`;
  const u = new URL(PG_ADMIN_URL);
  u.pathname = '/' + name;
  const url = u.toString();
  return {
    name,
    url,
    create: async () => {
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const pool = createPool(url, 1);
      try {
        await migrate(pool);
      } finally {
        await pool.end();
      }
    },
    drop: async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Loads the sample issue (emails/issues/) the way a first boot does. Done here, before any process
 * starts, so the API and the workers (which all seed an empty database) can boot in parallel.
 */
export async function seedSampleIssue(url: string): Promise<void> {
  const pool = createPool(url, 2);
  try {
    const queries = Queries.load();
    const topics = new Topics(pool, queries);
    const importers = new Importers(topics);
    const issues = new IssuesService(pool, queries, topics, importers, new EditorAudit(pool, queries));
    if ((await loadSampleIssues(issues, importers)) === 0) throw new Error('no sample issue was loaded');
  } finally {
    await pool.end();
  }
}

/**
 * `--past-sends N`: N completed sends of N past issues, so the ledger has N more partitions, as a
 * deployment does after N issues (their rows are not needed: what a partition costs a statement on
 * the parent is its being there). Returns the seconds it took.
 */
export async function addPastSends(url: string, n: number): Promise<number> {
  const started = performance.now();
  const pool = createPool(url, 1);
  try {
    await pool.query(
      `WITH i AS (INSERT INTO issues (slug, title, status, document)
                  SELECT 'past-' || g, 'Past issue ' || g, 'sent', '{}' FROM generate_series(1, $1::integer) g RETURNING id)
       INSERT INTO sends (issue_id, status, max_subscriber_id) SELECT id, 'completed', 0 FROM i`,
      [n],
    );
  } finally {
    await pool.end();
  }
  return (performance.now() - started) / 1000;
}

/** Topic set of subscriber `id`: a pseudo-random, non-empty subset (same for the same id). */
export function topicsOf(id: number): string[] {
  // xorshift-style mix of the id, then one of the 7 non-empty subsets of three topics.
  let x = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  const mask = ((x >>> 0) % 7) + 1;
  return TOPICS.filter((_, i) => mask & (1 << i));
}

export const emailOf = (id: number): string => `reader${id}@bench.example`;

/** COPY text-format rows for ids 1..n, produced in chunks on demand. */
function rows(n: number, line: (id: number) => string): Readable {
  let next = 1;
  const CHUNK = 5000;
  return new Readable({
    read() {
      if (next > n) return void this.push(null);
      const end = Math.min(n, next + CHUNK - 1);
      let s = '';
      for (let id = next; id <= end; id++) s += line(id);
      next = end + 1;
      this.push(s);
    },
  });
}

/** Loads n confirmed subscribers with ids 1..n and their topics; returns the seconds it took. */
export async function loadSubscribers(url: string, n: number): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await pipeline(
      rows(n, (id) => `${id}\t${emailOf(id)}\tconfirmed\t2024-01-01 00:00:00+00\n`),
      client.query(copyFrom('COPY subscribers (id, email, status, confirmed_at) FROM STDIN')),
    );
    await pipeline(
      rows(n, (id) => topicsOf(id).map((t) => `${id}\t${t}\n`).join('')),
      client.query(copyFrom('COPY subscriber_topics (subscriber_id, topic) FROM STDIN')),
    );
    // Ids were given explicitly; later inserts (the API phase) must continue after them.
    await client.query(`SELECT setval(pg_get_serial_sequence('subscribers', 'id'), $1::bigint)`, [Math.max(n, 1)]);
    await client.query('COMMIT');
    await client.query('ANALYZE subscribers');
    await client.query('ANALYZE subscriber_topics');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}
