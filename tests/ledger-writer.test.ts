/**
 * The grouped ledger writer (src/sending/ledger-writer.ts) on a real database: steps that arrive
 * together go in one statement (group commit), and each caller is told whether its row was marked.
 * Counts statements through a wrapper around the real pool's query method.
 */
import { createPool } from '../src/db/pool';
import { Queries } from '../src/db/queries';
import { createLogger } from '../src/logger';
import { LedgerWriter } from '../src/sending/ledger-writer';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let db: TestDatabase;
const TOKEN = '00000000-0000-0000-0000-0000000000aa';
/** Two sends being delivered, each with one confirmed reader's row pending under a claimed batch. */
const sends: { sendId: number; batchId: number; deliveryId: number }[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  const pool = createPool(db.url, 1);
  try {
    const one = (sql: string, params: unknown[] = []) => pool.query(sql, params).then((r) => r.rows[0].id as number);
    for (const slug of ['writer-a', 'writer-b']) {
      const reader = await one("INSERT INTO subscribers (email, status, confirmed_at) VALUES ($1, 'confirmed', now()) RETURNING id", [`${slug}@example.org`]);
      const issue = await one("INSERT INTO issues (slug, title, status, document) VALUES ($1, $1, 'sending', '{}') RETURNING id", [slug]);
      const sendId = await one("INSERT INTO sends (issue_id, status, max_subscriber_id) VALUES ($1, 'sending', $2) RETURNING id", [issue, reader]);
      const batchId = await one(
        "INSERT INTO send_batches (send_id, status, size, first_subscriber_id, last_subscriber_id, claim_token) VALUES ($1, 'claimed', 1, $2, $2, $3) RETURNING id",
        [sendId, reader, TOKEN],
      );
      const deliveryId = await one("INSERT INTO deliveries (send_id, batch_id, subscriber_id, topics, status) VALUES ($1, $2, $3, 'ai', 'pending') RETURNING id", [sendId, batchId, reader]);
      sends.push({ sendId, batchId, deliveryId });
    }
  } finally {
    await pool.end();
  }
});
afterAll(async () => db?.drop());

const claimOf = (s: (typeof sends)[number]) => ({ id: s.deliveryId, sendId: s.sendId, batchId: s.batchId, token: TOKEN, topics: 'ai' });
const sentOf = (s: (typeof sends)[number]) => ({ id: s.deliveryId, sendId: s.sendId, status: 'sent' as const, code: 250, error: null, delay: 0 });

test('twenty lanes stepping at once: at most two statements, every caller answered', async () => {
  const pool = createPool(db.url, 2);
  try {
    let statements = 0;
    const query = pool.query.bind(pool);
    (pool as unknown as { query: unknown }).query = (...args: Parameters<typeof query>) => {
      statements++;
      return query(...args);
    };
    const writer = new LedgerWriter(pool, Queries.load(), createLogger('silent'), { retryForMs: 1000, maxInFlight: 1 });
    // Outcomes for rows that are not 'sending' and claims of rows that do not exist change
    // nothing: what is measured is how the steps are grouped, and that each caller is answered.
    const steps = Array.from({ length: 20 }, (_, i) =>
      writer.step({ ...sentOf(sends[0]!), id: 1_000_000 + i }, { ...claimOf(sends[0]!), id: 2_000_000 + i }),
    );
    expect(await Promise.all(steps)).toEqual(Array(20).fill(false));
    expect(statements).toBeLessThanOrEqual(2);
  } finally {
    await pool.end();
  }
});

test('a pool for named statements runs their generic plans; other pools keep the default', async () => {
  const generic = createPool(db.url, 1, { genericPlans: true });
  const plain = createPool(db.url, 1);
  try {
    expect((await generic.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('force_generic_plan');
    expect((await plain.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('auto');
  } finally {
    await Promise.all([generic.end(), plain.end()]);
  }
});

test("a group of one send's steps names that send's partition; a group spanning sends the parent table", async () => {
  // One connection, so its session's prepared statements are the writer's.
  const pool = createPool(db.url, 1);
  const [a, b] = sends as [(typeof sends)[number], (typeof sends)[number]];
  const status = async () =>
    (await pool.query<{ id: number; status: string }>('SELECT id, status FROM deliveries ORDER BY id')).rows.map((r) => r.status);
  const prepared = async () =>
    (await pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'tidings:deliveries-step%' ORDER BY name")).rows.map((r) => r.name);
  try {
    const writer = new LedgerWriter(pool, Queries.load(), createLogger('silent'), { retryForMs: 1000, maxInFlight: 1 });
    expect(await writer.step(undefined, claimOf(a))).toBe(true);
    expect(await status()).toEqual(['sending', 'pending']);
    expect(await prepared()).toEqual([`tidings:deliveries-step:s${a.sendId}`]);
    // A lane records send A's reply and marks send B's row: one statement over both partitions.
    expect(await writer.step(sentOf(a), claimOf(b))).toBe(true);
    expect(await status()).toEqual(['sent', 'sending']);
    expect(await prepared()).toEqual(['tidings:deliveries-step', `tidings:deliveries-step:s${a.sendId}`]);
    expect(await writer.step(sentOf(b), undefined)).toBe(false);
    expect(await status()).toEqual(['sent', 'sent']);
    expect(await prepared()).toContain(`tidings:deliveries-step:s${b.sendId}`);
  } finally {
    await pool.end();
  }
});
