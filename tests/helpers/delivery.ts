/**
 * Fixtures for the delivery tests: confirmed readers over every topic set (inserted set-based, as
 * test setup), a real issue through the editor API, polling helpers, and worker processes that a
 * test can spawn and kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import type { TestApp } from './app';
import { scaleEnv } from './env';
import type { SmtpSink } from './smtp-sink';
import type { Progress } from '../../src/sending/service';
import { withTransaction } from '../../src/db/pool';

export const TOPIC_BITS: [number, string][] = [
  [1, 'telecom'],
  [2, 'ai'],
  [4, 'nev'],
];

/** Topics of fixture reader i (1-based): cycles through all 7 non-empty sets. */
export function topicsOf(i: number): string[] {
  const mask = ((i - 1) % 7) + 1;
  return TOPIC_BITS.filter(([bit]) => mask & bit).map(([, slug]) => slug).sort();
}

export const readerEmail = (i: number, domain = 'example.test') => `reader${i}@${domain}`;

/** Inserts n confirmed readers reader<from..from+n-1>@domain with topicsOf(i); returns their ids by i. */
export async function insertReaders(pool: pg.Pool, n: number, opts: { from?: number; domain?: string } = {}): Promise<Map<number, number>> {
  const from = opts.from ?? 1;
  const domain = opts.domain ?? 'example.test';
  const { rows } = await pool.query<{ id: string; i: number }>(
    `INSERT INTO subscribers (email, name, status, confirmed_at)
     SELECT 'reader' || g || '@' || $3::text, 'Reader ' || g, 'confirmed', now()
     FROM generate_series($1::int, $1::int + $2::int - 1) g
     RETURNING id, split_part(split_part(email, '@', 1), 'reader', 2)::int AS i`,
    [from, n, domain],
  );
  await pool.query(
    `INSERT INTO subscriber_topics (subscriber_id, topic)
     SELECT s.id, t.slug FROM subscribers s
     CROSS JOIN (VALUES (1, 'telecom'), (2, 'ai'), (4, 'nev')) AS t(bit, slug)
     WHERE s.email LIKE '%@' || $1::text
       AND ((((split_part(split_part(s.email, '@', 1), 'reader', 2)::int - 1) % 7) + 1) & t.bit) <> 0
     ON CONFLICT DO NOTHING`,
    [domain],
  );
  return new Map(rows.map((r) => [r.i, Number(r.id)]));
}

/** Item titles by topic ('' = general news): every variant differs, so contents can be checked. */
export const ITEMS: Record<string, string[]> = {
  telecom: ['Spectrum auction rules published', 'Telecom fraud crackdown'],
  ai: ['Algorithm filing list updated'],
  nev: ['Battery recycling standard'],
  '': ['General notice for everyone'],
};

export function issueDocument(slug: string) {
  return {
    slug,
    title: `Test issue ${slug}`,
    subject: `Tidings ${slug}`,
    sections: [
      {
        title: 'News',
        items: Object.entries(ITEMS).flatMap(([topic, titles]) =>
          titles.map((title) => ({ title, topics: topic ? [topic] : [], body: `Body of ${title}.` })),
        ),
      },
    ],
  };
}

/** Titles a reader with these topics must see. */
export function expectedTitles(topics: string[]): string[] {
  return Object.entries(ITEMS).filter(([t]) => t === '' || topics.includes(t)).flatMap(([, titles]) => titles);
}

export async function createIssue(t: TestApp, slug: string): Promise<number> {
  const res = await t.fetch('/api/issues', { method: 'POST', editor: true, json: issueDocument(slug) });
  if (res.status !== 201) throw new Error(`create issue: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** The progress body the API answers: the send service's Progress, as JSON. */
export type ProgressBody = Progress;

export async function progress(t: TestApp, issueId: number): Promise<ProgressBody> {
  const res = await t.fetch(`/api/issues/${issueId}/send`, { editor: true });
  if (res.status !== 200) throw new Error(`progress: ${res.status} ${await res.text()}`);
  return (await res.json()) as ProgressBody;
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitForStatus(t: TestApp, issueId: number, statuses: string[], timeoutMs: number): Promise<ProgressBody> {
  return waitUntil(async () => {
    const p = await progress(t, issueId);
    return statuses.includes(p.status) ? p : undefined;
  }, timeoutMs, `send of issue ${issueId} to reach ${statuses.join('|')}`);
}

export interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: string[];
}

const ROOT = path.resolve(__dirname, '../..');

/** Spawns `src/main.ts` as ROLE=worker against the test's database, Redis, prefix and sink. */
export function spawnWorker(t: TestApp, env: Record<string, string> = {}, nodeArgs: string[] = []): WorkerProcess {
  // `node --require tsx/cjs`, not the tsx CLI: the CLI runs the program in a child process, and
  // a SIGKILL to the CLI would leave that child running.
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', ...nodeArgs, path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ROLE: 'worker',
      PORT: '0',
      PUBLIC_URL: t.c.config.publicUrl,
      DATABASE_URL: t.db.url,
      REDIS_URL: t.c.config.redisUrl,
      // The scale-out runs: through PgBouncer (migrating on the direct URL) and/or on a cluster.
      ...scaleEnv(t.db.url),
      ...(t.c.config.database.pooler === 'transaction' ? { DATABASE_MIGRATION_URL: t.db.url } : {}),
      SMTP_URL: t.sink!.url,
      QUEUE_PREFIX: t.queuePrefix,
      SECRET_KEY: t.c.config.secretKey,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const onData = (b: Buffer) => {
    const s = b.toString();
    output.push(s);
    if (output.length > 200) output.shift();
    if (s.includes('Tidings is running')) resolveReady();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, ready, exited, output };
}

/** Counts of ledger rows by status for a send, straight from the database. */
export async function ledger(pool: pg.Pool, sendId: number): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM deliveries WHERE send_id = $1 GROUP BY status',
    [sendId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * A fixture for what a crash leaves behind: `count` of a send's sent deliveries become uncertain,
 * and their batches are recounted as every writer outside a claim does (migration 028).
 */
export async function fakeUncertain(pool: pg.Pool, sendId: number, count: number): Promise<{ id: number; subscriber_id: number }[]> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: number; subscriber_id: number; batch_id: number }>(
      `UPDATE deliveries SET status = 'uncertain'
       WHERE id IN (SELECT id FROM deliveries WHERE send_id = $1 AND status = 'sent' ORDER BY id LIMIT $2)
       RETURNING id::int, subscriber_id::int, batch_id::int`,
      [sendId, count],
    );
    await client.query('SELECT tidings_recount_batches($1, $2)', [sendId, [...new Set(rows.map((r) => r.batch_id))]]);
    return rows.map(({ id, subscriber_id }) => ({ id, subscriber_id }));
  });
}

/**
 * Where the counts the API shows (migration 028: tallies of batches not claimed, live rows of
 * claimed ones) differ from a count of the ledger's rows, over every send in the database; and
 * every unclaimed batch whose tally differs from its rows. [] when they agree. Counted in one
 * snapshot (a repeatable-read transaction), so a send still running compares like with like.
 */
export async function tallyDrift(pool: pg.Pool): Promise<{ send_id: number; batch_id: number | null; status: string; counted: number; rows: number }[]> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const { rows } = await client.query(
      `WITH rows AS (
         SELECT send_id, batch_id, status, count(*)::int AS n FROM deliveries WHERE status <> 'pending' GROUP BY 1, 2, 3
       ), per_send AS (
         -- A send past retention is counted from its roll-up and has no rows left to compare.
         SELECT s.id AS send_id, NULL::int AS batch_id, c.status, c.n::int AS counted FROM sends s, tidings_send_counts(s.id) c
         WHERE s.ledger_rolled_up_at IS NULL
       ), per_batch AS (
         SELECT t.send_id, t.batch_id, t.status, t.n AS counted FROM delivery_tallies t
         JOIN send_batches b ON b.id = t.batch_id WHERE b.status <> 'claimed'
       )
       SELECT coalesce(c.send_id, r.send_id)::int AS send_id, NULL::int AS batch_id, coalesce(c.status, r.status) AS status,
              coalesce(c.counted, 0) AS counted, coalesce(r.n, 0) AS rows
       FROM per_send c
       FULL JOIN (SELECT send_id, status, sum(n)::int AS n FROM rows GROUP BY 1, 2) r ON r.send_id = c.send_id AND r.status = c.status
       WHERE coalesce(c.counted, 0) <> coalesce(r.n, 0)
       UNION ALL
       SELECT coalesce(c.send_id, r.send_id)::int, coalesce(c.batch_id, r.batch_id)::int, coalesce(c.status, r.status),
              coalesce(c.counted, 0), coalesce(r.n, 0)
       FROM per_batch c
       FULL JOIN (SELECT r.* FROM rows r JOIN send_batches b ON b.id = r.batch_id WHERE b.status <> 'claimed') r
         ON r.send_id = c.send_id AND r.batch_id = c.batch_id AND r.status = c.status
       WHERE coalesce(c.counted, 0) <> coalesce(r.n, 0)
       ORDER BY 1, 2, 3`,
    );
    return rows;
  });
}

/**
 * A worker killed mid-conversation resets its SMTP socket; smtp-server reports that as an 'error'
 * event on the server, which must not fail the test file.
 */
export function quietSink(sink: SmtpSink): void {
  (sink as unknown as { server: { on(ev: 'error', fn: () => void): void } }).server.on('error', () => undefined);
}
