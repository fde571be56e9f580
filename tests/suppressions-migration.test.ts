/**
 * Migration 021 on a database that already has suppressions: each old row gets an id and the
 * source it came from (the delivery engine's 'send N' → smtp_reply, erase → editor, the signed
 * webhook → webhook), and the new reason is accepted.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { emailHash } from '../src/subscribers/email-hash';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterAll(() => db.drop());

test('021 keeps old rows and names their source', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mig-021-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const later = readdirSync(dir).filter((f) => Number(f.slice(0, 3)) >= 21);
  for (const f of later) rmSync(path.join(dir, f));
  const pool = createPool(db.url);
  try {
    await migrate(pool, dir);
    const old: [string, string, string | null][] = [
      ['bounced@example.org', 'hard_bounce', 'send 12'],
      ['erased@example.org', 'erased', 'subscriber 3'],
      ['complained@example.org', 'complaint', 'abuse report'],
      ['reported@example.org', 'hard_bounce', '550 5.1.1 user unknown'],
    ];
    for (const [email, reason, detail] of old) {
      await pool.query('INSERT INTO suppressions (email_hash, reason, detail) VALUES ($1, $2, $3)', [emailHash(email), reason, detail]);
    }
    await migrate(pool);
    const { rows } = await pool.query<{ id: number; reason: string; source: string }>('SELECT id, reason, source FROM suppressions ORDER BY id');
    expect(rows.map((r) => [r.reason, r.source])).toEqual([
      ['hard_bounce', 'smtp_reply'], ['erased', 'editor'], ['complaint', 'webhook'], ['hard_bounce', 'webhook'],
    ]);
    expect(new Set(rows.map((r) => Number(r.id))).size).toBe(4);
    await pool.query("INSERT INTO suppressions (email_hash, reason, source) VALUES ($1, 'soft_bounce_limit', 'dsn')", [emailHash('soft@example.org')]);
    await expect(pool.query("INSERT INTO suppressions (email_hash, reason, source) VALUES ($1, 'manual', 'carrier_pigeon')", [emailHash('x@example.org')])).rejects.toThrow(/check/);
  } finally {
    await pool.end();
  }
});
