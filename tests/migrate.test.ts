import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { Queries } from '../src/db/queries';
import { emailHash } from '../src/subscribers/email-hash';
import { createTestDatabase, type TestDatabase } from './helpers/db';

describe('migrations', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterEach(() => db.drop());

  it('applies every migration once; a second run is a no-op', async () => {
    const pool = createPool(db.url);
    const all = readMigrations().map((m) => m.version);
    expect(await migrate(pool)).toEqual(all);
    expect(await migrate(pool)).toEqual([]);
    const { rows } = await pool.query('SELECT slug FROM topics ORDER BY position');
    expect(rows.map((r) => r.slug)).toEqual(['telecom', 'ai', 'nev']);
    await pool.end();
  });

  it('concurrent runs (separate connections) migrate exactly once', async () => {
    const pools = [0, 1, 2, 3].map(() => createPool(db.url, 1));
    const results = await Promise.all(pools.map((p) => migrate(p)));
    const applied = results.flat();
    expect(applied.sort()).toEqual(readMigrations().map((m) => m.version).sort());
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('refuses a migration edited after it was applied', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const pool = createPool(db.url);
    await migrate(pool, dir);
    writeFileSync(path.join(dir, '001_foundation.sql'), '-- edited\nSELECT 1;');
    await expect(migrate(pool, dir)).rejects.toThrow(/edited after it was applied/);
    await pool.end();
  });

  it('every named query in db/queries prepares against the schema', async () => {
    const pool = createPool(db.url);
    await migrate(pool);
    const queries = Queries.load();
    expect(queries.names.length).toBeGreaterThan(5);
    await expect(queries.check(pool)).resolves.toBeUndefined();
    await pool.end();
  });

  it('subscribers.email_hash follows the address: insert, change, erase (the key prepare checks suppressions by)', async () => {
    const pool = createPool(db.url);
    await migrate(pool);
    const hashOf = async (id: number) =>
      (await pool.query<{ email_hash: Buffer | null }>('SELECT email_hash FROM subscribers WHERE id = $1', [id])).rows[0]!.email_hash;
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO subscribers (email, status) VALUES (' Ann.Lee@Example.TEST ', 'pending') RETURNING id`,
    );
    const id = rows[0]!.id;
    expect(await hashOf(id)).toEqual(emailHash('ann.lee@example.test'));
    await pool.query(`UPDATE subscribers SET email = 'bo@example.test' WHERE id = $1`, [id]);
    expect(await hashOf(id)).toEqual(emailHash('bo@example.test'));
    await pool.query(`UPDATE subscribers SET name = 'Bo' WHERE id = $1`, [id]);
    expect(await hashOf(id)).toEqual(emailHash('bo@example.test'));
    await pool.query(`UPDATE subscribers SET email = NULL, status = 'erased' WHERE id = $1`, [id]);
    expect(await hashOf(id)).toBeNull();
    await pool.end();
  });

  it('a broken query fails the check, naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'q-'));
    writeFileSync(path.join(dir, 'x.sql'), '-- name: good\nSELECT 1;\n\n-- name: broken\nSELECT nope FROM topics;\n');
    const pool = createPool(db.url);
    await migrate(pool);
    await expect(Queries.load(dir).check(pool)).rejects.toThrow(/broken: column "nope" does not exist/);
    await pool.end();
  });
});
