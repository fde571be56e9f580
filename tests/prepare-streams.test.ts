/**
 * Prepare split over subscriber-id ranges walked by several transactions at once
 * (src/sending/prepare.ts, db/queries/sending.sql prepare-split / prepare-step): the ledger holds
 * every eligible reader exactly once and the send's counters agree with it, with two streams on an
 * uneven list, with two preparers of the same send at once, after a step killed mid-statement, for
 * a cancel that lands mid-step, and for a send cut from a cursor an older prepare had advanced.
 * Real Postgres; the faults are real lock waits and terminated backends.
 */
import pg from 'pg';
import { Preparer } from '../src/sending/prepare';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, waitUntil } from './helpers/delivery';

const BATCH = 100;
const OBSERVER = 'prepare-streams-observer';
let t: TestApp;
// The test's own reads and locks, on connections the backend terminations spare.
let observer: pg.Pool;
let eligible: number;

beforeAll(async () => {
  // ROLE=api: the send's own prepare job waits in the queue with nobody to run it; the test runs
  // the preparer itself.
  t = await startTestApp({ env: { ROLE: 'api', SEND_BATCH_SIZE: String(BATCH), SEND_CHUNK_SIZE: '20' } });
  observer = new pg.Pool({ connectionString: t.db.url, application_name: OBSERVER, max: 3 });
  await insertReaders(t.c.pool, 60_000);
  // Uneven density, as an old list has: most of the first half left, a block with no topics.
  await observer.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id % 10 <> 0 AND id <= (SELECT min(id) + 30000 FROM subscribers)`);
  await observer.query(`DELETE FROM subscriber_topics WHERE subscriber_id IN (SELECT id FROM subscribers ORDER BY id DESC LIMIT 700 OFFSET 5000)`);
  eligible = (
    await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscribers s
       WHERE s.status = 'confirmed' AND s.email IS NOT NULL AND EXISTS (SELECT 1 FROM subscriber_topics st WHERE st.subscriber_id = s.id)`,
    )
  ).rows[0]!.n;
}, 60_000);

afterAll(async () => {
  await observer?.end();
  await t?.close();
});

function preparer(): Preparer {
  const s = t.c.sending;
  return new Preparer({ pool: t.c.pool, queries: t.c.queries, log: t.c.log, batchSize: BATCH, headStartSize: 20, streams: 2, completion: s.completion, dispatcher: s.dispatcher });
}

async function newSend(slug: string): Promise<number> {
  const issueId = await createIssue(t, slug);
  const res = await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  expect(res.status).toBe(202);
  return ((await res.json()) as { send_id: number }).send_id;
}

/** What the ledger and the send's counters say, read straight from the database. */
async function state(sendId: number) {
  const { rows } = await observer.query(
    `SELECT s.status, s.prepared, s.total, s.prepare_ranges_left AS left,
            (SELECT count(*)::int FROM deliveries d WHERE d.send_id = s.id) AS rows,
            (SELECT count(DISTINCT subscriber_id)::int FROM deliveries d WHERE d.send_id = s.id) AS readers,
            (SELECT count(*)::int FROM deliveries d WHERE d.send_id = s.id AND d.status = 'pending') AS pending,
            (SELECT coalesce(sum(size), 0)::int FROM send_batches b WHERE b.send_id = s.id) AS batched,
            (SELECT count(*)::int FROM send_batches b WHERE b.send_id = s.id AND b.size > $2) AS oversized,
            (SELECT count(*)::int FROM send_prepare_ranges r WHERE r.send_id = s.id AND NOT r.done) AS open_ranges
     FROM sends s WHERE s.id = $1`,
    [sendId, BATCH],
  );
  return rows[0] as { status: string; prepared: boolean; total: number; left: number; rows: number; readers: number; pending: number; batched: number; oversized: number; open_ranges: number };
}

function expectComplete(s: Awaited<ReturnType<typeof state>>) {
  expect(s).toMatchObject({ status: 'sending', prepared: true, total: eligible, left: 0, rows: eligible, readers: eligible, batched: eligible, oversized: 0, open_ranges: 0 });
}

/**
 * Backends of the app waiting for a lock: here only prepare steps can (at the sends row the test
 * holds). pg_stat_activity's query text is cut at 1 kB, too short to name the statement.
 */
async function stepsWaiting(): Promise<number[]> {
  const { rows } = await observer.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> $1
       AND wait_event_type = 'Lock'`,
    [OBSERVER],
  );
  return rows.map((r) => r.pid);
}

/** Waits until the snapshot has started (the head start committed) but is not complete. */
async function midway(sendId: number): Promise<void> {
  await waitUntil(async () => (await observer.query('SELECT 1 FROM sends WHERE id = $1 AND total > 0', [sendId])).rowCount, 10_000, 'the first step', 2);
}

/**
 * Starts a prepare of the send and, once it is under way, holds the sends row in a transaction of
 * the test's (`hold` takes the lock) until both streams' steps wait behind it at their last
 * statement, rows written; runs `meanwhile` with their pids, then commits. Returns the prepare.
 */
async function whileStepsWait(sendId: number, hold: (lock: pg.PoolClient) => Promise<void>, meanwhile: (pids: number[]) => Promise<void> = async () => undefined) {
  const running = preparer().prepare(sendId);
  // The caller looks at the outcome afterwards; until then a rejection is expected, not unhandled.
  running.catch(() => undefined);
  await midway(sendId);
  const lock = await observer.connect();
  try {
    await lock.query('BEGIN');
    await hold(lock);
    const waiting = await waitUntil(async () => {
      const pids = await stepsWaiting();
      return pids.length === 2 ? pids : undefined;
    }, 10_000, 'both streams to wait', 5);
    await meanwhile(waiting);
    await lock.query('COMMIT');
  } finally {
    // A failed test must not hand the pool a connection still holding the lock.
    await lock.query('ROLLBACK').catch(() => undefined);
    lock.release();
  }
  return { running };
}

test('two streams over an uneven list write every eligible reader once, and the counters agree', async () => {
  const sendId = await newSend('streams');
  expect(await preparer().prepare(sendId)).toBe(eligible);
  expectComplete(await state(sendId));
  // More ranges than streams, every one of them walked to its end.
  const ranges = await observer.query('SELECT count(*)::int AS n FROM send_prepare_ranges WHERE send_id = $1 AND done', [sendId]);
  expect(ranges.rows[0].n).toBe(8);
});

test('two preparers of the same send at once share its ranges: each reader once, the written rows add up', async () => {
  const sendId = await newSend('two-preparers');
  const written = await Promise.all([preparer().prepare(sendId), preparer().prepare(sendId)]);
  expect(written[0] + written[1]).toBe(eligible);
  expect(Math.min(...written)).toBeGreaterThan(0);
  expectComplete(await state(sendId));
});

test('steps killed mid-statement roll back whole; the next prepare resumes each range and completes', async () => {
  const sendId = await newSend('killed');
  const { running } = await whileStepsWait(
    sendId,
    (lock) => lock.query('SELECT 1 FROM sends WHERE id = $1 FOR SHARE', [sendId]).then(() => undefined),
    (waiting) => observer.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid', [waiting]).then(() => undefined),
  );
  await expect(running).rejects.toThrow(/terminat/);
  const between = await state(sendId);
  expect(between.prepared).toBe(false);
  // What committed is counted, and nothing the killed steps wrote is left.
  expect(between.total).toBe(between.rows);
  expect(between.batched).toBe(between.rows);

  const resumed = await preparer().prepare(sendId);
  expect(resumed).toBe(eligible - between.rows);
  expectComplete(await state(sendId));
});

test('a cancel committed while steps wait rolls them back: nothing pending is left behind it', async () => {
  const sendId = await newSend('cancel-mid-step');
  // The editor's cancel, as SendService.cancel runs it: its first statement held open until both
  // streams wait behind it, then, once committed, its second.
  const { running } = await whileStepsWait(sendId, async (lock) => {
    expect((await lock.query(t.c.queries.sql('send-cancel'), [sendId])).rowCount).toBe(1);
  });
  await observer.query(t.c.queries.sql('deliveries-cancel-pending'), [sendId]);
  // The preparer stops without an error, and what the waiting steps wrote never commits.
  await running;
  const s = await state(sendId);
  expect(s.status).toBe('cancelled');
  expect(s.prepared).toBe(false);
  expect(s.pending).toBe(0);
  expect(s.total).toBe(s.rows);
});

test('a send whose cursor an earlier prepare advanced is cut from that cursor on, with no head start', async () => {
  const sendId = await newSend('from-cursor');
  const { rows } = await observer.query<{ id: string }>(`SELECT id FROM subscribers ORDER BY id OFFSET 40000 LIMIT 1`);
  const cursor = Number(rows[0]!.id);
  await observer.query('UPDATE sends SET prepare_cursor = $2 WHERE id = $1', [sendId, cursor]);
  const expected = (
    await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscribers s WHERE s.id > $1 AND s.status = 'confirmed'
         AND EXISTS (SELECT 1 FROM subscriber_topics st WHERE st.subscriber_id = s.id)`,
      [cursor],
    )
  ).rows[0]!.n;
  expect(await preparer().prepare(sendId)).toBe(expected);
  const lowest = await observer.query('SELECT min(subscriber_id)::bigint AS lo FROM deliveries WHERE send_id = $1', [sendId]);
  expect(Number(lowest.rows[0].lo)).toBeGreaterThan(cursor);
  // No head start: the first batch is a full one.
  const first = await observer.query('SELECT size FROM send_batches WHERE send_id = $1 ORDER BY id LIMIT 1', [sendId]);
  expect(first.rows[0].size).toBe(BATCH);
  const s = await state(sendId);
  expect(s).toMatchObject({ prepared: true, total: expected, rows: expected, left: 0, open_ranges: 0 });
});
