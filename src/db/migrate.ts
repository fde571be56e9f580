/**
 * Numbered, append-only migrations (`db/migrations/NNN_name.sql`), applied in one transaction under
 * a transaction-scoped advisory lock: two processes booting at once serialise on the lock, and the
 * second finds the ledger already up to date. A migration that has been applied is never edited;
 * its checksum is recorded so an edited file fails the boot instead of silently diverging.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from './pool';
import { withTransaction } from './pool';
import { ROOT } from '../paths';
import { StartupError } from '../errors';

export const MIGRATIONS_DIR = path.join(ROOT, 'db/migrations');
// Any constant shared by every Tidings process ("tiding" in ASCII); a bigint literal, since the
// lock key is a Postgres int8.
const LOCK_KEY = '127979174340198';

export interface Migration {
  version: number;
  name: string;
  /** The file name, e.g. 001_foundation.sql. */
  file: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const match = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name must look like 001_name.sql: ${file}`);
    const version = Number(match[1]);
    if (seen.has(version)) throw new Error(`duplicate migration number ${version}`);
    seen.add(version);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    return { version, name: match[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = readMigrations(dir);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const done: number[] = [];
    for (const m of migrations) {
      const checksum = applied.get(m.version);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new StartupError(`Migration ${m.file} was edited after it was applied to this database: restore it and put the change in a new migration.`);
        }
        continue;
      }
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      done.push(m.version);
    }
    return done;
  });
}
