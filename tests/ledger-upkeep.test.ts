/**
 * The ledger's upkeep (src/sending/ledger-upkeep.ts): a live send's partition whose dead row
 * versions pass the threshold is vacuumed and analysed by the pass, on the real server's activity
 * statistics; one that is not due, or whose send finished long ago, is left alone; a partition
 * someone else holds is skipped rather than waited for. The partition's own autovacuum is turned
 * off in each test so the server's settings cannot race the pass.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { LedgerUpkeep, upkeepStatement } from '../src/sending/ledger-upkeep';
import { createLogger } from '../src/logger';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, waitForStatus, waitUntil } from './helpers/delivery';

let t: TestApp;
let sendId: number;
let partition: string;

beforeAll(async () => {
  t = await startTestApp();
  await insertReaders(t.c.pool, 120);
  const issueId = await createIssue(t, 'upkeep');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const done = await waitForStatus(t, issueId, ['completed'], 60_000);
  expect(done.sent).toBe(120);
  sendId = done.send_id;
  partition = `deliveries_s${sendId}`;
  await t.c.pool.query(`ALTER TABLE ${partition} SET (autovacuum_enabled = false)`);
}, 90_000);
afterAll(async () => {
  await t?.close();
});

const upkeep = (minRows = 100) => new LedgerUpkeep({ pool: t.c.pool, queries: t.c.queries, log: createLogger('silent'), minRows, share: 0.1 });

async function stats() {
  const { rows } = await t.c.pool.query<{ dead: string; vacuumed: boolean; analysed: boolean }>(
    `SELECT n_dead_tup AS dead, (last_vacuum IS NOT NULL) AS vacuumed, (last_analyze IS NOT NULL) AS analysed
     FROM pg_stat_user_tables WHERE relid = $1::regclass`,
    [partition],
  );
  return { dead: Number(rows[0]!.dead), vacuumed: rows[0]!.vacuumed, analysed: rows[0]!.analysed };
}

/**
 * Two more versions of every row that page pruning cannot clean up on its own: an indexed column
 * changes (there and back), so neither update is HOT. (A send's own status updates are HOT since
 * migration 028, tested below; this is what a page without room, or a partition written before
 * 028, leaves behind.)
 */
async function churn(): Promise<void> {
  for (let i = 0; i < 2; i++) await t.c.pool.query(`UPDATE ${partition} SET subscriber_id = -subscriber_id, updated_at = now()`);
}

test("a send's own updates stay on their page (HOT): no index on the ledger names a column they change", async () => {
  // Two updates a message (pending → sending → sent); the server reports its counts within ~10 s.
  const counts = await waitUntil(async () => {
    const { rows } = await t.c.pool.query<{ upd: string; hot: string }>(
      'SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = $1',
      [partition],
    );
    return Number(rows[0]!.upd) >= 240 ? { upd: Number(rows[0]!.upd), hot: Number(rows[0]!.hot) } : undefined;
  }, 25_000, 'the updates to be counted');
  // With an index on status this is 0. Not 1: a page whose old versions another transaction's
  // snapshot still sees cannot be pruned, so under a loaded test run some updates leave the page
  // (0.88–0.995 measured).
  expect(counts.hot / counts.upd).toBeGreaterThanOrEqual(0.5);
  // And structurally: no index of the partition names a column the deliver stage's updates change.
  const changed = ['status', 'attempts', 'claimed_at', 'sent_at', 'smtp_code', 'error', 'updated_at', 'topics'];
  const { rows: defs } = await t.c.pool.query<{ def: string }>(
    'SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = $1::regclass',
    [partition],
  );
  expect(defs.length).toBeGreaterThanOrEqual(3);
  for (const { def } of defs) for (const column of changed) expect({ def, names: new RegExp(`\\b${column}\\b`).test(def) }).toEqual({ def, names: false });
}, 30_000);

/** A backend reports its counts to the server's statistics when idle, up to ~10 s later. */
const counted = () => waitUntil(async () => (await stats()).dead >= 240 || undefined, 25_000, 'the dead versions to be counted');

test('the statements: VACUUM with or without ANALYZE, ANALYZE alone, nothing; a bad id throws', () => {
  expect(upkeepStatement(7, true, true)).toBe('VACUUM (SKIP_LOCKED, ANALYZE) deliveries_s7');
  expect(upkeepStatement(7, true, false)).toBe('VACUUM (SKIP_LOCKED) deliveries_s7');
  expect(upkeepStatement(7, false, true)).toBe('ANALYZE (SKIP_LOCKED) deliveries_s7');
  expect(upkeepStatement(7, false, false)).toBeUndefined();
  expect(() => upkeepStatement(Number('7; DROP TABLE sends'), true, true)).toThrow(/bad send id/);
  expect(() => upkeepStatement(0, true, true)).toThrow(/bad send id/);
});

test('below the minimum nothing is due; past it the partition is vacuumed and analysed, then nothing is due', async () => {
  await churn();
  await counted();
  expect(await upkeep(10_000).run()).toEqual([]);
  expect((await stats()).vacuumed).toBe(false);

  const actions = await upkeep().run();
  expect(actions).toEqual([{ sendId, vacuumed: true, analyzed: true, skipped: false }]);
  const after = await stats();
  expect(after).toMatchObject({ vacuumed: true, analysed: true });
  // What VACUUM could not remove yet (a snapshot another connection still held), never the churn.
  expect(after.dead).toBeLessThan(24);
  expect(await upkeep().run()).toEqual([]);
}, 60_000);

test('a partition another session holds is skipped, not waited for', async () => {
  await churn();
  await counted();
  const holder = await t.c.pool.connect();
  try {
    await holder.query('BEGIN');
    // The lock VACUUM and ANALYZE take: a second one (autovacuum's, another worker's) would wait.
    await holder.query(`LOCK TABLE ${partition} IN SHARE UPDATE EXCLUSIVE MODE`);
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'waited'>((r) => (timer = setTimeout(() => r('waited'), 10_000)));
    const result = await Promise.race([upkeep().run(), stuck]);
    clearTimeout(timer);
    expect(result).toEqual([{ sendId, vacuumed: true, analyzed: true, skipped: true }]);
    await holder.query('ROLLBACK');
  } finally {
    holder.release();
  }
  expect((await stats()).dead).toBeGreaterThanOrEqual(240);
  expect(await upkeep().run()).toEqual([{ sendId, vacuumed: true, analyzed: true, skipped: false }]);
  expect((await stats()).dead).toBeLessThan(24);
}, 60_000);

test('a role that does not own the partition is refused: warned about once, then it is left alone', async () => {
  const role = 'tidings_upkeep_not_owner';
  await t.c.pool.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN; END IF; END $$`);
  await t.c.pool.query(`GRANT SELECT ON sends TO ${role}`);
  const url = new URL(t.db.url);
  url.username = role;
  url.password = '';
  const other = new pg.Pool({ connectionString: url.toString(), max: 2 });
  const lines: { level: number; msg: string; reason?: string }[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) }));
  try {
    await churn();
    await counted();
    const notOwner = new LedgerUpkeep({ pool: other, queries: t.c.queries, log, minRows: 100, share: 0.1 });
    expect(await notOwner.run()).toEqual([]);
    expect(await notOwner.run()).toEqual([]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.reason).toMatch(/owner/);
    expect((await stats()).dead).toBeGreaterThanOrEqual(240);
  } finally {
    await other.end();
    await t.c.pool.query(`REVOKE SELECT ON sends FROM ${role}`);
  }
  // The owner's pass still does it.
  expect(await upkeep().run()).toEqual([{ sendId, vacuumed: true, analyzed: true, skipped: false }]);
}, 60_000);

test('a send finished more than an hour ago is left to the server', async () => {
  await t.c.pool.query(`UPDATE sends SET completed_at = now() - interval '2 hours' WHERE id = $1`, [sendId]);
  await churn();
  await counted();
  expect(await upkeep().run()).toEqual([]);
  expect((await stats()).dead).toBeGreaterThanOrEqual(240);
}, 60_000);

test('while a send runs, send_batches is vacuumed and analysed once its rewritten batch rows leave 1,000 dead versions', async () => {
  const dead = async () =>
    Number((await t.c.pool.query<{ n: string }>("SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'send_batches'")).rows[0]!.n);
  await t.c.pool.query("ALTER TABLE send_batches SET (autovacuum_enabled = false)");
  // A claim, a lease renewal and a release each rewrite a batch row; lease_until is indexed, so never HOT.
  await t.c.pool.query(`DO $$ BEGIN FOR i IN 1..1200 LOOP UPDATE send_batches SET lease_until = now() WHERE id = (SELECT min(id) FROM send_batches); END LOOP; END $$`);
  await waitUntil(async () => (await dead()) >= 1_000 || undefined, 25_000, 'the dead versions to be counted');
  // Nothing is running: the table is left to the server.
  expect((await upkeep().run()).filter((a) => a.table === 'send_batches')).toEqual([]);
  await t.c.pool.query("UPDATE sends SET status = 'sending' WHERE id = $1", [sendId]);
  try {
    const actions = await upkeep().run();
    expect(actions.filter((a) => a.table === 'send_batches')).toEqual([{ sendId: null, table: 'send_batches', vacuumed: true, analyzed: true, skipped: false }]);
    expect(await dead()).toBeLessThan(100);
  } finally {
    await t.c.pool.query("UPDATE sends SET status = 'completed' WHERE id = $1", [sendId]);
  }
}, 60_000);
