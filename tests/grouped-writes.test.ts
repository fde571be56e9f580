/**
 * GroupedWrites (src/db/grouped-writes.ts) against a real Postgres: concurrent items share
 * statements, every caller learns its own outcome, and a bad item fails only its own caller.
 */
import { GroupedWrites } from '../src/db/grouped-writes';
import { createPool, isDataError, type Pool } from '../src/db/pool';
import { createTestDatabase, type TestDatabase } from './helpers/db';

describe('GroupedWrites', () => {
  let db: TestDatabase;
  let pool: Pool;
  const statements: number[] = [];
  let writes: GroupedWrites<{ n: number; label: string }>;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    pool = createPool(db.url, 4);
    // The CHECK makes a label longer than 5 characters a bad item, as a violated constraint would be.
    await pool.query('CREATE TABLE items (n int PRIMARY KEY, label text NOT NULL CHECK (length(label) <= 5))');
    writes = new GroupedWrites(async (items) => {
      statements.push(items.length);
      await pool.query('INSERT INTO items SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n int, label text)', [JSON.stringify(items)]);
    }, { maxItems: 50, maxInFlight: 2, retryAlone: isDataError });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(async () => {
    statements.length = 0;
    await pool.query('TRUNCATE items');
  });

  it('writes a burst of concurrent items in a few statements, each of at most maxItems', async () => {
    await Promise.all(Array.from({ length: 300 }, (_, n) => writes.add({ n, label: 'ok' })));
    expect((await pool.query('SELECT count(*)::int AS c FROM items')).rows[0].c).toBe(300);
    expect(statements.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.max(...statements)).toBeLessThanOrEqual(50);
    expect(statements.length).toBeLessThanOrEqual(8);
  });

  it('a lone item is written at once, in a statement of its own', async () => {
    await writes.add({ n: 1, label: 'solo' });
    expect(statements).toEqual([1]);
  });

  it('a bad item fails only its own caller; the rest of its group is written', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) => writes.add({ n, label: n === 7 ? 'far too long' : 'ok' })),
    );
    const rejected = outcomes.flatMap((o, n) => (o.status === 'rejected' ? [n] : []));
    expect(rejected).toEqual([7]);
    expect((outcomes[7] as PromiseRejectedResult).reason.message).toMatch(/check constraint/);
    const { rows } = await pool.query('SELECT n FROM items ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, n) => n).filter((n) => n !== 7));
  });

  it('a duplicate key within a group fails only the second writer', async () => {
    const outcomes = await Promise.allSettled([writes.add({ n: 5, label: 'a' }), writes.add({ n: 5, label: 'b' }), writes.add({ n: 6, label: 'c' })]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((await pool.query('SELECT count(*)::int AS c FROM items')).rows[0].c).toBe(2);
  });

  it('a failure that is not about the data (the database away) fails the whole group without retrying each item', async () => {
    const calls: number[] = [];
    const down = new GroupedWrites<number>(async (items) => {
      calls.push(items.length);
      await pool.query('SELECT pg_sleep(0) FROM nonexistent_table_x');
    }, { retryAlone: isDataError });
    // 42P01 (undefined table) stands for any error that no single item caused.
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => down.add(n)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(calls).toEqual([4]);
  });
});
