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
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

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
      writer.step({ id: 1_000_000 + i, sendId: 1, status: 'sent', code: 250, error: null, delay: 0 }, { id: 2_000_000 + i, sendId: 1, batchId: 1, token: '00000000-0000-0000-0000-000000000000', topics: 'ai' }),
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
